"""Monthly group sessions with invited specialists."""
