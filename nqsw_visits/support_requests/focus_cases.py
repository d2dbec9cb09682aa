"""The focus cases an NQSW may link a request to, as the agreements area provides them."""

from collections.abc import Callable
from dataclasses import dataclass

from nqsw_visits.people.models import User


@dataclass(frozen=True)
class FocusChoice:
    """One focus case of the NQSW's open agreement."""

    id: int
    case_reference: str
    learning_aim: str


def _none(_nqsw: User) -> list[FocusChoice]:
    return []


# Set by the agreements area when it is registered; requests do not import it.
_provider: Callable[[User], list[FocusChoice]] = _none


def provide(provider: Callable[[User], list[FocusChoice]]) -> None:
    """Name the function that lists an NQSW's focus cases."""
    global _provider
    _provider = provider


def choices_for(nqsw: User) -> list[FocusChoice]:
    """The NQSW's focus cases, or none without an open agreement."""
    return _provider(nqsw)
