"""`python -m bench.mutations`: the mutations frontends send, through the whole app in process."""
