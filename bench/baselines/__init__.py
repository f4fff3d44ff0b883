"""Bare baselines of the benchmarks: the same unavoidable work as the product, nothing else."""
