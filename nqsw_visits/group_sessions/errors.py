"""The one error the group-session rules raise, kept apart so every rules module can use it."""


class GroupSessionError(Exception):
    """A step the rules refuse; `status` is the HTTP answer (403, 404, 409 or 422)."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field
