"""The portal's tooling, outside the domain: the launcher (`make run`, `make test`) with its
embedded Postgres and Redis and the supervisor that keeps its processes running; backup and
restore; the load test; the benchmark.

It may import the apps; no app imports it (tooling/tests/test_layering.py checks). Its
commands are run as `python -m tooling.<name>` rather than as management commands, so that
neither the apps nor the settings name this package.
"""
