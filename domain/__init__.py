"""Rhythm's rules: services that take a session (and never commit), and pure engines with no I/O."""
