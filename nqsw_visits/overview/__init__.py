"""Each role's home page and a practice manager's planned support."""
