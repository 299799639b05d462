"""The user's own bot as the system under test: its process, its fakes, and the view from inside."""
