"""The notification outbox arrives with the notifications issue (#4)."""
