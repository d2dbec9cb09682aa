"""Mentor availability: weekly pattern, exceptions, limits, diary and free-time answers."""
