"""voicectl.harness."""
