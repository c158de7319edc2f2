"""Notifications: the actors and the jobs they run, apart from Dramatiq."""
