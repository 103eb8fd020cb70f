"""eqdist benchmarks: `python -m benchmarks.run [--quick]` (or `make bench`)."""
