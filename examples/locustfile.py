"""Distributed load with Locust: each user places real-time carrier calls into your bot.

    locust -f examples/locustfile.py --host ws://127.0.0.1:8765/ws --headless -u 20 -r 2 -t 5m
    locust -f examples/locustfile.py --master --expect-workers 2 --headless -u 200 -r 10 -t 10m
    locust -f examples/locustfile.py --worker --master-host 10.0.0.5   # on each load machine

Locust shows one ``turn`` row per recording (first-audio latency, ms; unanswered utterances
are failures) and one ``call`` row (call length; failures name the close code, timeout or
missing answers).
"""

from locust import between

from voicectl.load.locust import CarrierCallUser


class Caller(CarrierCallUser):
    carrier = "twilio"  # twilio, telnyx, plivo, exotel or raw
    recordings = ()  # paths of WAVs with transcript sidecars; empty: voicectl's bundled calls
    wait_time = between(1, 3)  # pause between one caller's calls, seconds
