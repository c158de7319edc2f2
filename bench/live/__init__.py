"""`python -m bench.live`: subscriptions measured from outside."""
