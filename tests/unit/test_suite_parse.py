"""Suite files: TOML structure, line numbers of every problem, pyproject's [tool.voicectl]."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voicectl.errors import InputError
from voicectl.suite import SuiteError, load_suite, parse_suite
from voicectl.suite.parse import key_lines

SUITE = """\
# a comment
[suite]
name = "checkout bot"
jobs = 3
timeout = 300

[policy]
max_attempts = 5
accept = ["error.attributable"]

[[scenario]]
name = "close-1008"
command = "chaos ws-close"
code = 1008

[[scenario]]
command = ["chaos", "ws-close"]
"after-messages" = 2
[scenario.policy]
expect = "recoverable"

[[scenario]]
command = "voicectl replay"
rates = [8000, 16000]
policy = { answer_within = 2.5 }
"""


def _parse(text: str, prefix: tuple[str, ...] = ()):
    return parse_suite(text, "suite.toml", base_dir=Path("/suites"), prefix=prefix)


def _error(text: str, prefix: tuple[str, ...] = ()) -> SuiteError:
    with pytest.raises(SuiteError) as info:
        _parse(text, prefix)
    return info.value


def test_a_full_suite_parses_settings_policy_and_scenarios() -> None:
    spec = _parse(SUITE)
    assert spec.settings.name == "checkout bot"
    assert (spec.settings.jobs, spec.settings.timeout_s, spec.settings.strict) == (3, 300.0, False)
    assert spec.policy == {"max_attempts": 5, "accept": ("error.attributable",)}
    first, second, third = spec.scenarios
    assert (first.name, first.command, dict(first.options)) == (
        "close-1008",
        ("chaos", "ws-close"),
        {"code": 1008},
    )
    assert second.name == "chaos-ws-close"  # derived from the command
    assert dict(second.options) == {"after-messages": 2}
    assert dict(second.policy) == {"expect": "recoverable"}
    assert third.command == ("replay",)  # a leading "voicectl" is dropped
    assert dict(third.policy) == {"answer_within": 2.5}


def test_derived_names_stay_unique() -> None:
    spec = _parse('[[scenario]]\ncommand = "replay"\n[[scenario]]\ncommand = "replay"\n')
    assert [s.name for s in spec.scenarios] == ["replay", "replay-2"]


def test_key_lines_address_array_elements_sub_tables_and_quoted_keys() -> None:
    lines = key_lines(SUITE)
    assert lines[("suite",)] == 2
    assert lines[("policy", "max_attempts")] == 8
    assert lines[("scenario", 0)] == 11
    assert lines[("scenario", 0, "code")] == 14
    assert lines[("scenario", 1, "after-messages")] == 18
    assert lines[("scenario", 1, "policy", "expect")] == 20
    assert lines[("scenario", 2, "policy")] == 25


def test_line_of_falls_back_to_the_nearest_parent() -> None:
    spec = _parse(SUITE)
    assert spec.line_of("scenario", 2, "policy", "answer_within") == 25  # inline table
    assert spec.line_of("scenario", 1, "nothing") == 16
    assert spec.line_of("nowhere") == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[[scenario]]\ncommand = "replay"\nrates = \n', 3, "invalid TOML: Invalid value"),
        ('[[scenario]]\ncommand = "replay"\nrates = [8000,', 3, "at end of file"),
        ('[suite]\nname = "x"\n[policie]\nmax_attempts = 1\n', 3, "unknown table or key 'policie'"),
        ("[suite]\njob = 2\n", 2, "unknown [suite] key 'job' (did you mean 'jobs'?)"),
        ("[suite]\njobs = 0\n[[scenario]]\ncommand='replay'\n", 2, "jobs must be an integer"),
        ("[suite]\ntimeout = -1\n", 2, "timeout must be a positive number"),
        ('[suite]\nstrict = "yes"\n', 2, "strict must be true or false"),
        ("[policy]\nmax_attempt = 2\n", 2, "unknown policy key 'max_attempt' (did you mean"),
        ("[policy]\nexpect = [1]\n", 2, "takes one value, not a list"),
        ('[policy]\naccept = "Close Not Retried"\n', 2, "accept must be a list of check ids"),
        ('[suite]\nname = "x"\n', 1, "no [[scenario]] to run"),
        ("scenario = 3\n", 1, "'scenario' must be a list of tables"),
        ("[[scenario]]\nname = 'a'\ncode = 1\n", 1, "missing 'command'"),
        ("[[scenario]]\ncommand = 3\n", 2, "'command' must be a string"),
        ("[[scenario]]\ncommand = 'voicectl'\n", 2, "names no command"),
        ("[[scenario]]\nname = ''\ncommand = 'replay'\n", 2, "name must be a non-empty string"),
        (
            "[[scenario]]\nname = 'a'\ncommand = 'replay'\n[[scenario]]\nname = 'a'\n"
            "command = 'replay'\n",
            5,
            "duplicate scenario name 'a' (also scenario 1)",
        ),
        (
            "[[scenario]]\nname = 'a'\ncommand = 'replay'\n[scenario.policy]\nmax-attemps = 1\n",
            5,
            "scenario 'a': unknown policy key 'max-attemps'",
        ),
        ("[[scenario]]\ncommand = 'replay'\npolicy = 3\n", 3, "policy must be a table"),
    ],
)
def test_structural_problems_name_the_line(text: str, line: int, message: str) -> None:
    error = _error(text)
    assert error.line == line, str(error)
    assert message in str(error)
    assert str(error).startswith(f"suite.toml:{line}: ")
    assert isinstance(error, InputError)


def test_pyproject_suite_lives_under_tool_voicectl() -> None:
    text = (
        '[project]\nname = "mybot"\n\n[tool.voicectl.policy]\nmax_attempts = 2\n\n'
        '[[tool.voicectl.scenario]]\nname = "drop"\ncommand = "chaos ws-drop"\nafter = 2\n'
    )
    spec = _parse(text, prefix=("tool", "voicectl"))
    assert spec.policy == {"max_attempts": 2}
    assert spec.scenarios[0].name == "drop"
    assert spec.line_of("scenario", 0, "after") == 10
    assert spec.line_of("policy", "max_attempts") == 5


def test_pyproject_without_the_table_is_an_error() -> None:
    error = _error('[project]\nname = "x"\n', prefix=("tool", "voicectl"))
    assert "no [tool.voicectl] table" in str(error)


def test_load_suite_reads_pyproject_by_name(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[[tool.voicectl.scenario]]\ncommand = 'replay'\n")
    spec = load_suite(path)
    assert spec.base_dir == tmp_path.resolve()
    assert spec.scenarios[0].command == ("replay",)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such suite file"), (b"\xff\xfe[", "not a UTF-8 text file")],
)
def test_load_suite_rejects_missing_and_binary_files(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "suite.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SuiteError, match=message):
        load_suite(path)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("[]{}=\"'.,#\n abcdefgrsuitponlcy_-0123456789")), max_size=200
    )
)
def test_the_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        _parse(text)
    except SuiteError as exc:
        assert exc.line >= 1
        assert str(exc).startswith("suite.toml:")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["name", "command", "policy", "code", "rates", "jobs", "x"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=10),
            st.lists(st.integers(), max_size=3),
            st.dictionaries(
                st.sampled_from(["expect", "accept", "jobs"]), st.integers(), max_size=2
            ),
        ),
        max_size=5,
    )
)
def test_any_scenario_table_parses_or_fails_with_a_suite_error(table: dict) -> None:
    import tomllib

    def value(v: object) -> str:
        if v is None:
            return '""'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    text = "[[scenario]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in table.items())
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    try:
        spec = _parse(text)
    except SuiteError as exc:
        assert 1 <= exc.line <= text.count("\n")
    else:
        assert len(spec.scenarios) == 1


def test_a_unicode_line_separator_in_a_string_does_not_shift_the_line_an_error_names() -> None:
    text = '[[scenario]]\nname = "0\x85\u2028"\ncommand = ""\n'
    with pytest.raises(SuiteError) as raised:
        _parse(text)
    assert raised.value.line == 3
