"""Dead letters: the messages the workers gave up on (service.py) and why, scrubbed of secrets (reasons.py).

The `dead_letters` table, the `jobs { deadLetters }` GraphQL field and the `rhythm jobs` commands read and decide
on them; the broker's queue figures shown beside them are in domain/queue_figures.py.
"""
