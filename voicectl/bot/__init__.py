"""voicectl.bot."""
