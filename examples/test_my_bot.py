"""voicectl checks in your own pytest suite: the plugin's fixtures need no conftest.

Run with ``pytest examples/test_my_bot.py`` (pip install voicectl pytest pytest-asyncio).
"""

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

from voicectl.pytest_plugin import assert_report_passes


# Point voicectl_call at your bot's URL; the bundled reference bot stands in for it here.
@pytest.mark.asyncio
@pytest.mark.voicectl_bot(sample_rate=8000)
async def test_bot_answers_the_caller(voicectl_reference_bot, voicectl_call):
    outcome = await voicectl_call(voicectl_reference_bot.url, "order_status", seconds=8)
    assert outcome.ok, outcome.error
    assert all(turn.answered for turn in outcome.turns), outcome.turns


# Your STT client against a provider that revokes the key: does it see the close code?
@pytest.mark.asyncio
async def test_client_sees_the_providers_close_code(voicectl_fake_provider):
    provider = await voicectl_fake_provider("generic", "ws-close:1008")
    with pytest.raises(ConnectionClosedError) as closed:
        async with connect(provider.target_url) as ws:
            await ws.send(b"\x00" * 640)
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


# Any voicectl command, judged like the CLI judges it; accept what your team accepts.
def test_soniox_gives_up_on_a_revoked_key(voicectl_cli):
    report = voicectl_cli("chaos", "ws-close", "--code", "1008", "--budget", "5")
    # Pipecat 1.14 retries a 1008 twice and its error does not name the code.
    assert_report_passes(report, allow=["close.not_retried", "error.attributable"])
