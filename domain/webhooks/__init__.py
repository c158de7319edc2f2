"""Webhooks for integrators: endpoints per company, signed deliveries (Standard Webhooks), retries and a log."""
