"""`python -m tooling.bench [--scale full|tenth|small|FACTOR] ...` (`make bench`)."""

from tooling.command import main

main("tooling.bench.command:Command", "tooling.bench")
