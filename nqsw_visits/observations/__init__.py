"""Observations: the record after an accompaniment, sign-off, and each NQSW's progress."""
