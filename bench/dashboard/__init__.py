"""The dashboard bench: a realistic data set, then the nested dashboard query and a single-task query, timed
in process (with the SQL statements each sends) and over HTTP against `rhythm serve` at 1 and 16 clients.

Run on demand, never in CI: `.venv/bin/python -m bench.dashboard` (see `--help` and bench/README.md).
"""
