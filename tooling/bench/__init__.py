"""The benchmark behind `make bench`: a dataset at up to ten times national scale and
scenarios timed against hand-written SQL (the ceiling) in the same run."""
