"""Checking a suite against the real command line before anything runs: argv, policy, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicectl.errors import InputError
from voicectl.suite import CommandCatalog, SuiteError, parse_suite, plan_suite, select_scenarios
from voicectl.suite.commands import build_argv, check_argv
from voicectl.suite.plan import GRACE_S


@pytest.fixture(scope="module")
def catalog() -> CommandCatalog:
    from voicectl.cli.main import app

    return CommandCatalog.from_app(app)


def _plan(text: str, catalog: CommandCatalog, tmp_path: Path | None = None, *, deep: bool = True):
    spec = parse_suite(text, "suite.toml", base_dir=tmp_path or Path.cwd())
    return plan_suite(spec, catalog, deep=deep)


def _error(text: str, catalog: CommandCatalog, tmp_path: Path | None = None) -> SuiteError:
    with pytest.raises(SuiteError) as info:
        _plan(text, catalog, tmp_path)
    return info.value


def test_the_catalog_offers_replay_resample_check_and_every_chaos_fault(
    catalog: CommandCatalog,
) -> None:
    names = catalog.names()
    assert {"replay", "resample-check", "chaos ws-close", "chaos stt-crash"} <= set(names)
    assert not {"bot", "report show", "run", "smoke"} & set(names)
    assert catalog.with_option("switch_within") == ["chaos stt-crash", "chaos failover"]


def test_options_become_the_commands_own_argv(catalog: CommandCatalog) -> None:
    plan = _plan(
        "[[scenario]]\nname = 'r'\ncommand = 'replay'\naudio = ['a.wav', 'b.wav']\n"
        "rates = [8000, 16000]\nfast = false\nanswer_within = 2.5\n",
        catalog,
        deep=False,
    )
    (scenario,) = plan.scenarios
    assert scenario.argv == (
        "--rates",
        "8000,16000",
        "--realtime",
        "--answer-within",
        "2.5",
        "--",
        "a.wav",
        "b.wav",
    )
    assert scenario.kill_after_s == 600.0 + GRACE_S


def test_a_flag_is_on_with_true_and_its_off_flag_can_be_named(catalog: CommandCatalog) -> None:
    spec = catalog.get(["replay"])
    assert spec is not None
    assert build_argv(spec, {"fast": True}) == ["--fast"]
    assert build_argv(spec, {"realtime": True}) == ["--realtime"]
    assert build_argv(spec, {"realtime": False}) == ["--fast"]
    stall = catalog.get(["chaos", "stall"])
    assert stall is not None
    assert build_argv(stall, {"full-budget": False}) == []


def test_check_argv_returns_the_parsed_parameters(catalog: CommandCatalog) -> None:
    spec = catalog.get(["chaos", "ws-close"])
    assert spec is not None
    params = check_argv(spec, ["--code", "1011", "--budget", "8"])
    assert (params["code"], params["budget"], params["timeout"]) == (1011, 8.0, None)


def test_provider_chaos_is_killed_after_budget_plus_a_minute_plus_grace(
    catalog: CommandCatalog,
) -> None:
    plan = _plan("[[scenario]]\ncommand = 'chaos ws-close'\nbudget = 8\n", catalog)
    assert plan.scenarios[0].kill_after_s == 8 + 60 + GRACE_S
    plan = _plan("[[scenario]]\ncommand = 'chaos ws-close'\nbudget = 5\ntimeout = 20\n", catalog)
    assert plan.scenarios[0].kill_after_s == 20 + GRACE_S


def test_global_policy_reaches_only_the_commands_that_take_it(catalog: CommandCatalog) -> None:
    plan = _plan(
        "[policy]\nmax_attempts = 5\nanswer_within = 2\n"
        "[[scenario]]\ncommand = 'chaos ws-close'\n"
        "[[scenario]]\ncommand = 'replay'\n"
        "[[scenario]]\ncommand = 'resample-check'\nrates = '8000,16000'\n",
        catalog,
    )
    close, replay, resample = plan.scenarios
    assert close.argv == ("--max-attempts", "5")
    assert replay.argv == ("--answer-within", "2")
    assert resample.argv == ("--rates", "8000,16000")


def test_a_suite_wide_bound_skips_a_scenario_whose_command_cannot_apply_it(
    catalog: CommandCatalog,
) -> None:
    # chaos hangup judges the pipeline's end only where it sees it: not at --url.
    plan = _plan(
        "[policy]\nend_within = 3\n"
        "[[scenario]]\nname = 'own'\ncommand = 'chaos hangup'\n"
        "[[scenario]]\nname = 'remote'\ncommand = 'chaos hangup'\nurl = 'ws://127.0.0.1:1/ws'\n",
        catalog,
    )
    own, remote = plan.scenarios
    assert own.argv == ("--end-within", "3")
    assert remote.argv == ("--url", "ws://127.0.0.1:1/ws")


def test_the_same_bound_set_on_the_scenario_itself_is_refused(catalog: CommandCatalog) -> None:
    error = _error(
        "[[scenario]]\nname = 'remote'\ncommand = 'chaos hangup'\n"
        "url = 'ws://127.0.0.1:1/ws'\nend-within = 3\n",
        catalog,
    )
    assert "--end-within bounds the bot's pipeline end" in str(error)
    assert error.scenario == "remote"


def test_scenario_options_and_policy_override_the_global_policy(catalog: CommandCatalog) -> None:
    plan = _plan(
        "[policy]\nmax_attempts = 5\nexpect = 'recoverable'\naccept = ['error.attributable']\n"
        "[[scenario]]\nname = 'a'\ncommand = 'chaos ws-close'\nmax-attempts = 1\n"
        "[scenario.policy]\nexpect = 'non-recoverable'\naccept = ['close.not_retried']\n",
        catalog,
    )
    (scenario,) = plan.scenarios
    assert scenario.argv == ("--max-attempts", "1", "--expect", "non-recoverable")
    assert scenario.accept == ("error.attributable", "close.not_retried")


def test_a_url_is_a_shared_resource_and_relative_paths_resolve_from_the_suite(
    catalog: CommandCatalog, tmp_path: Path
) -> None:
    (tmp_path / "calls").mkdir()
    audio = tmp_path / "calls" / "order_status.wav"
    from voicectl.audio.script import bundled_fixtures_dir

    audio.write_bytes((bundled_fixtures_dir() / "order_status.wav").read_bytes())
    (tmp_path / "calls" / "order_status.json").write_text(
        (bundled_fixtures_dir() / "order_status.json").read_text()
    )
    plan = _plan(
        "[[scenario]]\ncommand = 'chaos interrupt'\nurl = 'ws://127.0.0.1:8765/ws'\n"
        "audio = 'calls/order_status.wav'\n",
        catalog,
        tmp_path,
    )
    assert plan.scenarios[0].resources == ("127.0.0.1:8765",)
    assert plan.base_dir == tmp_path


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "[[scenario]]\ncommand = 'chaos ws-clsoe'\n",
            2,
            "unknown command 'chaos ws-clsoe' (did you mean 'chaos ws-close'?)",
        ),
        ("[[scenario]]\ncommand = 'bot'\n", 2, "unknown command 'bot'"),
        (
            "[[scenario]]\nname = 'c'\ncommand = 'chaos ws-close'\n\ncod = 1008\n",
            5,
            "scenario 'c': chaos ws-close has no option 'cod' (did you mean 'code'?)",
        ),
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\ncode = 'abc'\n",
            3,
            "'code': Input should be a valid integer",
        ),
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\ncode = true\n",
            3,
            "'code' takes an integer, not true",
        ),
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\ncode = [1, 2]\n",
            3,
            "'code' takes one value, not a list",
        ),
        ("[[scenario]]\ncommand = 'replay'\nfast = 'yes'\n", 3, "'fast' takes true or false"),
        (
            "[[scenario]]\ncommand = 'replay'\ncarrier = 'skype'\n",
            3,
            "'carrier': 'skype' is not one of",
        ),
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\nexpect = 'maybe'\n",
            3,
            "'expect': 'maybe' is not one of",
        ),
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\nbudget = 0.1\n",
            3,
            "'budget': Input should be greater than or equal to 0.5",
        ),
        ("[[scenario]]\ncommand = 'replay'\njson = 'x.json'\n", 3, "'json' is set by voicectl run"),
        ("[[scenario]]\ncommand = 'replay'\nstrict = true\n", 3, "use [suite] strict = true"),
        (
            "[[scenario]]\ncommand = 'replay'\nfast = true\nrealtime = true\n",
            4,
            "set the same option",
        ),
        # Checks the command itself makes before it runs anything (validate-only mode):
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\ncode = 1005\n",
            3,
            "close code 1005 cannot be sent",
        ),
        (
            "[[scenario]]\ncommand = 'replay'\nrates = '8000,abc'\n",
            3,
            "--rates must be comma-separated integers",
        ),
        ("[[scenario]]\ncommand = 'chaos ws-close'\ntarget = 'nope'\n", 3, "nope"),
        (
            "[[scenario]]\ncommand = 'resample-check'\nresamplers = 'soxr-hq,nope'\n",
            3,
            "unknown resampler 'nope'",
        ),
        ("[[scenario]]\ncommand = 'replay'\naudio = 'missing.wav'\n", 3, "missing.wav"),
        (
            "[[scenario]]\ncommand = 'replay'\n[scenario.policy]\nswitch_within = 3\n",
            4,
            "policy key 'switch_within' does not apply to replay (only to: chaos stt-crash, chaos failover)",
        ),
        (
            "[[scenario]]\ncommand = 'chaos ws-close'\nexpect = 'recoverable'\n"
            "policy = { expect = 'non-recoverable' }\n",
            4,
            "'expect' is set both as an option and in the scenario's policy",
        ),
        (
            "[policy]\nswitch_within = 3\n[[scenario]]\ncommand = 'replay'\n",
            2,
            "[policy] switch_within applies to chaos stt-crash, chaos failover and no scenario",
        ),
        (
            "[policy]\nexpect = 'sometimes'\n[[scenario]]\nname = 'x'\ncommand = 'chaos ws-drop'\n",
            2,
            "scenario 'x': 'expect': 'sometimes' is not one of",
        ),
    ],
)
def test_every_invalid_scenario_names_its_line_and_reason(
    catalog: CommandCatalog, tmp_path: Path, text: str, line: int, message: str
) -> None:
    error = _error(text, catalog, tmp_path)
    assert message in str(error)
    assert error.line == line, str(error)


def test_nothing_runs_during_validation(catalog: CommandCatalog, tmp_path: Path) -> None:
    """Validate-only mode stops the commands before execute(): a 600 s replay checks in no time."""
    import time

    start = time.monotonic()
    _plan("[[scenario]]\ncommand = 'replay'\n[[scenario]]\ncommand = 'chaos stt-crash'\n", catalog)
    assert time.monotonic() - start < 20
    assert not list(tmp_path.iterdir())


def test_only_selects_scenarios_and_rejects_unknown_names(catalog: CommandCatalog) -> None:
    plan = _plan(
        "[[scenario]]\nname = 'a'\ncommand = 'replay'\n[[scenario]]\nname = 'b'\ncommand = 'replay'\n",
        catalog,
        deep=False,
    )
    assert [s.name for s in select_scenarios(plan, ["b"]).scenarios] == ["b"]
    assert select_scenarios(plan, []) is plan
    with pytest.raises(InputError, match=r"--only .c.: no such scenario .*scenarios: a, b"):
        select_scenarios(plan, ["c"])


def test_the_suites_guide_policy_table_matches_the_commands_that_take_each_key(
    catalog: CommandCatalog,
) -> None:
    import re

    from voicectl.suite.model import OPTION_POLICY_KEYS

    guide = (Path(__file__).resolve().parents[2] / "docs/guides/suites.md").read_text()
    table = guide[guide.index("| policy key | option | commands |") :].split("\n\n")[0]
    documented: dict[str, list[str]] = {}
    for row in table.splitlines()[2:]:
        keys, _options, commands = row.strip("|").split("|")
        for key in re.findall(r"`([a-z_]+)`", keys):
            documented[key] = re.findall(r"`([a-z -]+)`", commands)
    assert documented.pop("accept") == []
    assert documented == {key: catalog.with_option(key) for key in OPTION_POLICY_KEYS}
