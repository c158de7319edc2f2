"""Rhythm's outer layer: the Litestar app, settings, CLI and operational endpoints."""
