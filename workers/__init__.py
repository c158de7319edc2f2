"""Dramatiq actors for the slow work (outbox relay, scheduling, calendar sync, notifications, webhooks)."""
