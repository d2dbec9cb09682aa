"""Calendar feeds people subscribe to, and their settings."""
