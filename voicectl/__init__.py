"""voicectl: diagnostic and chaos-testing toolkit for real-time voice AI on telephony."""

__all__ = ["__version__"]

__version__ = "0.1.0"
