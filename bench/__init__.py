"""Benchmarks of shuzheng: `python -m bench` runs them all, `python -m bench cases` one of them."""
