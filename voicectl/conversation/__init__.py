"""Conversation faults: barge-in, hang-up and carrier close, as directed carrier calls."""
