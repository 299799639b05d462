"""resample-check: resampler quality, stream continuity and sample-rate diagnosis."""
