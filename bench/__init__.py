"""The benchmark and fault-injection harness (``make bench``, ``make chaos``)."""
