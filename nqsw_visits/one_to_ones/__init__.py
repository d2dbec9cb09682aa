"""One-to-one sessions: a series booked on the mentor's diary, a private record, actions."""
