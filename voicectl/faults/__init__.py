"""voicectl.faults."""
