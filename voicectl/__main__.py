"""``python -m voicectl``."""

from voicectl.cli.main import run

run()
