"""voicectl.checks."""
