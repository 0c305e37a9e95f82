"""Benchmarks: figures and ratios, never a gate (``make bench``, ``python -m benchmarks``).

Nothing here is imported by the application: the comparison tables a benchmark needs
are created at run time in a throwaway database, so ``makemigrations --check`` never
sees them.
"""
