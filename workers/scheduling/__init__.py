"""Scheduling: the replan actors and the jobs they run, apart from Dramatiq."""
