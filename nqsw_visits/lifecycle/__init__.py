"""Keeping data no longer than needed (`flask purge`) and copies of it (`flask backup`)."""
