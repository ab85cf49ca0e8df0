"""The test suite's database backend: Django's PostgreSQL backend whose flush between
tests may empty the access log (test settings only)."""
