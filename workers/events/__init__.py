"""Events: `events.dispatch`, the outbox relay (also the reconciler) and the writer of completed events."""
