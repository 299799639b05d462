"""``voicectl fakes`` as a user runs it: env lines on stdout, faults by name, one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import openai
import pytest

VOICECTL = [sys.executable, "-m", "voicectl"]
ORDER_STATUS = Path(__file__).resolve().parents[2] / "voicectl/data/fixtures/order_status.json"


def test_no_arguments_serves_deepgram_openai_and_cartesia_for_the_duration() -> None:
    result = subprocess.run(
        [*VOICECTL, "fakes", "--duration", "0.5"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names = [line.split("=", 1)[0] for line in result.stdout.splitlines()]
    assert names == ["DEEPGRAM_BASE_URL", "OPENAI_BASE_URL", "CARTESIA_BASE_URL"]
    urls = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert urls["OPENAI_BASE_URL"].startswith("http://127.0.0.1:")
    assert urls["OPENAI_BASE_URL"].endswith("/v1")
    assert urls["DEEPGRAM_BASE_URL"].startswith("ws://127.0.0.1:")
    assert "deepgram: 0 connections" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: unknown provider 'nope' in 'nope' (known: deepgram, openai,"),
        (
            ["deepgram", "--fault", "backup=stall"],
            "error: --fault names fake 'backup', which is not started (started: deepgram)",
        ),
        (["openai", "--fault", "openai=ws-close:1008"], "error: --fault 'openai=ws-close:1008'"),
        (["deepgram", "--fault", "deepgram=nope"], "error: unknown fault 'nope'"),
        (["deepgram", "--transcripts", "missing.json"], "error: missing.json: no such file"),
        (["openai", "--llm-script", "missing.json"], "error: cannot read LLM script missing.json"),
        (["deepgram", "--transcripts", "missing.wav"], "error: missing.wav: no such file"),
        (["deepgram", "--seed", "3"], "error: --seed seeds a latency fault's jitter"),
        (["deepgram", "--llm-chunk-ms", "5"], "error: --llm-chunk-ms applies to an LLM fake"),
        (
            ["openai", "--transcripts", str(ORDER_STATUS)],
            "error: --transcripts applies to an STT fake",
        ),
    ],
)
def test_bad_fakes_or_faults_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run([*VOICECTL, "fakes", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_an_llm_429_on_the_first_request_then_answers_and_the_journal_says_so(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.json"
    proc = subprocess.Popen(
        [
            *VOICECTL,
            "fakes",
            "openai",
            "deepgram:backup",
            "--fault",
            "openai=llm-error:429~0#first",
            "--journal",
            str(journal),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(2)]
        env = dict(line.split("=", 1) for line in lines)
        assert list(env) == ["OPENAI_BASE_URL", "DEEPGRAM_BACKUP_BASE_URL"]
        client = openai.OpenAI(base_url=env["OPENAI_BASE_URL"], api_key="sk-test", max_retries=0)
        messages = [{"role": "user", "content": "hello there"}]
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(model="gpt-4.1-mini", messages=messages)  # type: ignore[arg-type]
        answer = client.chat.completions.create(model="gpt-4.1-mini", messages=messages)  # type: ignore[arg-type]
        assert (
            answer.choices[0].message.content == "Sure, I can help with that. You said: hello there"
        )
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 130, err
    assert "openai: 2 requests, 1 faulted, 1 answers sent" in err
    document = json.loads(journal.read_text())
    assert document["faults"] == ["openai=llm-error:429~0#first"]
    kinds = [(e["source"], e["kind"]) for e in document["events"]]
    assert kinds == [
        ("fake:openai", "connection"),
        ("fake:openai", "fault"),
        ("fake:openai", "connection"),
        ("fake:openai", "answer"),
    ]
    first = document["events"][0]
    assert first["status"] == 429 and first["auth_header"] != "Authorization: Bearer sk-test"
