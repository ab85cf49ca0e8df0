"""The authorisation matrix: the table in docs/access-matrix.md, the data it is checked
against, and how each URL pattern is requested."""
