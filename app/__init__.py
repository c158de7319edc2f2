"""Rhythm's outer layer: the Litestar app, CLI and operational endpoints."""
