"""Spot free text that looks like identifying detail, so it can be removed before saving."""

import re

_NAME_AFTER_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+[A-Z][a-z'-]+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_DATE_OF_BIRTH = re.compile(
    r"\b(?:d\.?o\.?b\.?|date of birth|born)\b|\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}\b",
    re.IGNORECASE,
)


def privacy_problems(text: str) -> list[str]:
    """What in the text looks like a name, a postcode or a date of birth."""
    found = []
    if _NAME_AFTER_TITLE.search(text or ""):
        found.append("a person's name")
    if _POSTCODE.search(text or ""):
        found.append("a postcode")
    if _DATE_OF_BIRTH.search(text or ""):
        found.append("a date of birth")
    return found
