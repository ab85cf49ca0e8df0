"""Capacity pages: the demand view and the alert centre."""
