"""What a run observed, as plain data: no Pipecat, socket server or network client imports.

The judges in ``voicectl.checks`` read these types; the runs that fill them live elsewhere.
"""
