"""Mentoring agreements: the start meeting's record of focus cases, goals and reviews."""
