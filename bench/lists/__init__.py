"""`python -m bench.lists`: the task lists frontends send most, timed in process through both executors."""
