"""Subscriptions: committed changes, re-read as the subscriber under the row-level policies, pushed live."""
