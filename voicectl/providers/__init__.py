"""voicectl.providers."""
