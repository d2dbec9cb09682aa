"""The agreement's start meeting, as its pages show it; the one-to-ones area books it and
provides these two functions, so this area does not import a later one."""

from collections.abc import Callable

_found: Callable | None = None
_on_end: Callable | None = None


def provide(found: Callable, on_end: Callable) -> None:
    """Register how to find an agreement's start meeting and what ending an agreement does to it."""
    global _found, _on_end
    _found, _on_end = found, on_end


def start_meeting(agreement_id: int):
    """The agreement's start meeting going ahead, or None."""
    return _found(agreement_id) if _found else None


def agreement_ended(actor, agreement, now) -> None:
    """Call off the start meeting of an agreement that has just ended, if it is still ahead."""
    if _on_end:
        _on_end(actor, agreement, now)
