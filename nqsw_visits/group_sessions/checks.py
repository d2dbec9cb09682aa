"""Checks on the free text of group sessions: no control characters, no case detail."""

import re

from nqsw_visits.core.privacy import privacy_problems
from nqsw_visits.group_sessions.errors import GroupSessionError

# PostgreSQL refuses NUL in text, and no note needs other control characters either.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def free_text(text: str, field: str, most: int, what: str, private: bool = False) -> str:
    """The text as stored (trimmed), or GroupSessionError on its field."""
    # `private` refuses what looks like a name, postcode or date of birth, in the words
    # the forms use for the same check elsewhere.
    text = (text or "").strip()
    if len(text) > most:
        raise GroupSessionError(f"Enter {what} in {most} characters or fewer", field=field)
    if _CONTROL.search(text):
        raise GroupSessionError("Remove the control characters from this text", field=field)
    found = privacy_problems(text) if private else []
    if found:
        raise GroupSessionError(
            f"This looks like it contains {' and '.join(found)}. Remove it: "
            "use the case reference, and keep personal details in the case system",
            field=field,
        )
    return text
