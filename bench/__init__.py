"""Benchmarks for i23d: quality against procedural ground truth, engine speed, API load."""
