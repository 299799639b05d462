"""STT failover inside the reference bot: ServiceSwitcher, crash modes, incidents."""
