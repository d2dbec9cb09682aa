"""Plain words for audit actions, for people reading the activity list."""

AUDIT_LABELS = {
    "signin.succeeded": "Signed in",
    "signin.failed": "Sign-in failed",
    "signin.locked": "Sign-in paused after failed attempts",
    "signin.refused": "Sign-in refused",
    "signout": "Signed out",
    "session.expired": "Session timed out",
    "password.changed": "Changed their password",
    "password.change_refused": "Password change refused",
    "user.created": "Added a person",
    "user.updated": "Changed a person's details",
    "user.activated": "Reactivated an account",
    "user.deactivated": "Deactivated an account",
    "user.password_reset": "Set a new password for someone",
    "user.mentors_set": "Chose an NQSW's mentors",
    "users.imported": "Imported people",
    "team.created": "Added a team",
    "team.managers_set": "Chose a team's practice managers",
    "availability.window_added": "Added a time to a weekly pattern",
    "availability.window_changed": "Changed a time in a weekly pattern",
    "availability.window_removed": "Removed a time from a weekly pattern",
    "availability.exception_added": "Added time away",
    "availability.exception_removed": "Removed time away",
    "availability.limits_set": "Changed availability limits",
    "bank_holidays.loaded": "Loaded bank holidays",
}


def audit_label(action: str) -> str:
    """The plain words for an audit action, or the action itself if it has none."""
    return AUDIT_LABELS.get(action, action)
