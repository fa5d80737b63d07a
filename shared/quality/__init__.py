"""The quality report: latency percentiles, recording-measured gaps, reviewer ratings and the GO/NO-GO verdict."""
