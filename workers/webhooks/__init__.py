"""Webhooks: the delivery actors and the jobs they run, apart from Dramatiq."""
