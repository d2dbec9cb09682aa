"""Telling people: in-app notifications, the email outbox and its sender."""
