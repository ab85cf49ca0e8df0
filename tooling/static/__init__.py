"""Collecting static files for `make run`, with progress, and not at all when nothing changed."""
