"""Support requests: asking, following, answering."""
