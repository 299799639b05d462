"""voicectl.cli."""
