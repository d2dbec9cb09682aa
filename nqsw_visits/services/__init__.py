"""Domain logic with no request, flash or template in it."""
