"""The one base of every area's refusals: what a person reads, the HTTP answer, the field."""


class Refusal(Exception):
    """A step a rule refuses; `status` is the HTTP answer (403, 404, 409 or 422) and
    `field` the form field the message belongs beside, if any."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field
