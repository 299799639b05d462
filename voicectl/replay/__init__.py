"""voicectl.replay."""
