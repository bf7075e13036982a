"""Speed and memory benchmarks: ``make bench`` runs :mod:`benchmarks.run`."""
