"""Background jobs as people see them: the messages the workers gave up on, and the broker's queues."""
