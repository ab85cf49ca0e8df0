"""Fuzzing the REST API through its OpenAPI schema, as each role, against a small world of data."""
