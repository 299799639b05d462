"""``voicectl resample-check`` from the command line, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

VOICECTL = [sys.executable, "-m", "voicectl"]


def _run(*args: str, timeout: float = 120, columns: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICECTL, "resample-check", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"COLUMNS": str(columns), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rates", "8000"], "--rates needs at least two sample rates"),
        (["--rates", "8000,abc"], "--rates must be comma-separated integers"),
        (["--rates", "8000,1000"], "1000 Hz is outside 4000..192000 Hz"),
        (["--resamplers", "pipecat-stream,nope"], "unknown resampler 'nope'"),
        (["missing.wav"], "missing.wav: no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2, result.stderr + result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_matrix_options_do_not_apply_to_files(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "x.wav"), "--thorough")
    assert result.returncode == 2
    assert "apply to the matrix" in result.stderr


def test_selected_matrix_fails_on_the_serializer_default_and_writes_every_report(
    tmp_path: Path,
) -> None:
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    result = _run(
        "--rates",
        "8000,16000",
        "--resamplers",
        "pipecat-stream,soxr-vhq",
        "--json",
        str(out_json),
        "--junit",
        str(out_xml),
    )
    assert result.returncode == 1, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("FAIL") and "resample.stream_continuity" in first
    assert "SNR dB by rate pair" in result.stdout
    report = json.loads(out_json.read_text())
    assert report["command"] == "resample-check" and report["verdict"] == "fail"
    assert report["args"]["resamplers"] == ["pipecat-stream", "soxr-vhq"]
    failed = [c for c in report["checks"] if c["verdict"] == "fail"]
    assert [(c["id"], c["metrics"]["mode"]) for c in failed] == [
        ("resample.stream_continuity", "serializer")
    ]
    titles = [t["title"] for t in report["tables"]]
    assert titles[0].startswith("Physical limits") and titles[1].startswith("Resamplers")
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) == 1


def test_soxr_vhq_alone_passes_with_exit_0() -> None:
    result = _run("--rates", "16000,24000", "--resamplers", "soxr-vhq", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS  voicectl resample-check")


def test_bundled_fixtures_pass_file_diagnosis() -> None:
    from voicectl.audio.script import bundled_call_paths

    result = _run(*map(str, bundled_call_paths()))
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("PASS  voicectl resample-check  3/3 checks passed")
    assert "Rate cues, measured at the declared rate" in result.stdout


def test_8_khz_audio_with_a_16_khz_header_fails_and_names_the_true_rate(tmp_path: Path) -> None:
    from voicectl.audio.io import load_audio, write_wav
    from voicectl.audio.script import bundled_call_paths

    source = load_audio(bundled_call_paths()[0])
    wrong = tmp_path / "wrong.wav"
    write_wav(wrong, source.samples, 16000)
    out_json = tmp_path / "r.json"
    result = _run(str(wrong), "--json", str(out_json))
    assert result.returncode == 1
    assert "fail: 8k" in result.stdout
    report = json.loads(out_json.read_text())
    assert report["args"]["mode"] == "diagnose"
    (check,) = report["checks"]
    assert check["id"] == "rate.declared_matches_content" and check["verdict"] == "fail"
    assert check["metrics"]["likely_rate"] == 8000
    assert check["observed"].startswith("likely 8000 Hz audio labelled 16000 Hz (plays 2x)")


def test_raw_files_need_their_rate_and_rate_needs_files(tmp_path: Path) -> None:
    raw = tmp_path / "call.ulaw"
    raw.write_bytes(bytes([0xFF]) * 8000)
    missing = _run(str(raw))
    assert missing.returncode == 2 and "raw audio needs --rate" in missing.stderr
    assert _run("--rate", "8000").returncode == 2
    silent = _run(str(raw), "--rate", "8000", "-q")
    assert silent.returncode == 0  # a warning: nothing to judge in a second of silence
    assert "1 warning" in silent.stdout


def test_component_and_plot_input_errors(tmp_path: Path) -> None:
    from voicectl.audio.io import write_wav

    unknown = _run("--component", "whisper")
    assert unknown.returncode == 2
    assert "--component must be one of smart-turn, silero-vad, not 'whisper'" in unknown.stderr
    mixed = _run("--component", "smart-turn", "--rates", "8000,16000")
    assert mixed.returncode == 2 and "apply to the matrix only" in mixed.stderr
    lone = tmp_path / "lone.wav"
    write_wav(lone, np.zeros(8000 * 2, dtype=np.int16), 8000)
    no_speech = _run("--component", "silero-vad", str(lone))
    assert no_speech.returncode == 2 and f"{lone}: no speech found" in no_speech.stderr
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    not_dir = _run("--plot", str(blocker), "--resamplers", "soxr-vhq")
    assert not_dir.returncode == 2 and "is not a directory" in not_dir.stderr


def test_smart_turn_component_warns_on_mislabelled_rates_and_plots(tmp_path: Path) -> None:
    from voicectl.audio.script import bundled_call_paths

    call = next(p for p in bundled_call_paths() if p.stem == "appointment_pause")
    out_json = tmp_path / "r.json"
    result = _run(
        "--component", "smart-turn", str(call), "--plot", str(tmp_path), "--json", str(out_json)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out_json.read_text())
    assert report["args"]["mode"] == "component"
    verdicts = [(c["id"], c["metrics"]["variant"], c["verdict"]) for c in report["checks"]]
    assert verdicts[0] == ("component.correct_rates_agree", "16k", "pass")
    assert ("component.rate_mislabel", "8k-as-16k", "warn") in verdicts
    assert (tmp_path / "smart_turn_probability.svg").is_file()
    strict = _run("--component", "smart-turn", str(call), "--strict", "-q")
    assert strict.returncode == 1


def test_matrix_plot_writes_response_charts(tmp_path: Path) -> None:
    result = _run("--rates", "8000,16000", "--resamplers", "soxr-hq", "--plot", str(tmp_path / "p"))
    assert result.returncode == 0, result.stdout
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "response_16000_8000.svg",
        "response_8000_16000.svg",
    ]


def test_a_deadline_stops_the_matrix_with_exit_3_and_a_report(tmp_path: Path) -> None:
    out_json = tmp_path / "r.json"
    result = _run("--timeout", "1", "--json", str(out_json), "-q")
    assert result.returncode == 3, result.stdout
    assert "did not finish within --timeout 1 s" in result.stdout
    assert json.loads(out_json.read_text())["verdict"] == "error"
