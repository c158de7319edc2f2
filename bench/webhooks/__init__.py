"""`python -m bench.webhooks`: outbox-to-delivery latency and deliveries per second for one worker process."""
