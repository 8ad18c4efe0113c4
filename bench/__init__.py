"""Benchmarks, run by `make bench` (never by `make test`): numbers for README's Performance."""
