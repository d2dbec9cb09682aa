"""The one error the group-session rules raise, kept apart so every rules module can use it."""

from nqsw_visits.core.refusal import Refusal


class GroupSessionError(Refusal):
    """A step the rules refuse; `status` is the HTTP answer (403, 404, 409 or 422)."""
