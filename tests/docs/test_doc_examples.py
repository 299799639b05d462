"""Every code block in README.md and docs/ runs, is checked against the code, or says why not.

Sybil lexes the Markdown; each fenced block becomes one example, classified by its content and
by an optional ``<!-- example: ... -->`` comment on the line before it:

- a **transcript** (lines starting ``$ ``) is run in a shell, in a scratch directory that sees the
  repository's ``voicectl``, ``tests``, ``examples`` and ``fixtures``, at 100 columns with
  ``NO_COLOR=1``. Its output is compared in full (``...`` lines stand for any lines; the run time
  in a verdict line is ignored), or with ``verdict`` by the verdict line and the verdict and id
  of each check row shown, or with ``lines`` by the lines shown, in order. ``$ echo $?`` checks
  the exit code of the command before it;
- a **synopsis** (every line a ``voicectl`` command, ``#`` comments allowed) is parsed by the
  real command line: unknown commands, options and bad values fail;
- ``file PATH``: the block is that file of the repository, verbatim;
- ``sidecar``: the block is a valid transcript sidecar; ``suite``: a valid suite file
  (``voicectl run --dry-run``); ``steps``: CI steps whose ``voicectl`` commands parse;
- ``usage``: a usage line with ``[--option VALUE]`` parts: every option is the command's, plain
  values parse;
- ``python [from=MODULE,...] [run]``: Python that compiles; the capitalised names it calls are
  found in the named modules (or its own imports) and accept the keyword arguments shown, events
  given to ``event_handler`` are ones those classes register, ``test_*`` functions take voicectl
  fixtures; with ``run`` the block is executed (its ``...`` lines are no-ops);
- ``llm-script``: a valid LLM fake script (``--llm-script``); ``llm-stream`` and ``llm-journal``:
  the OpenAI fake with the script above on the page is asked "Where is my order?" with a
  ``check_order_status`` tool, and streams exactly the ``data:`` lines shown, and journals the
  event shown (the clock's ``created`` and ``t`` aside);
- ``shell``: commands that install or run the whole suite, not run here: the repository paths
  they name exist, ``pip`` extras and ``pytest -m`` markers are declared, ``voicectl`` and
  ``locust`` command lines parse;
- ``excerpt file=NAME``: lines of the file NAME written by the shared run of the transcript
  above (in order; ``...`` for any lines or text);
- ``synopsis continues``: ``... --option`` lines add options to the synopsis above on the page;
- ``not run: REASON``: not executed, for the stated reason.

Comment flags: ``slow`` (real-time examples), ``shared`` (each plain ``voicectl`` command is
run once per session by ``shared_runs.shared_run``, with the integration test that runs the same
command), ``timing`` (run alone, see the marker), ``corpus`` (needs the Debian packages of the
real-speech corpus: opt-in, see the marker), ``timeout=S``, ``setup=NAME`` (a function below
that writes the files the example uses), ``bot=PORT`` (a reference bot is served on a free port
and the documented port is replaced by it, in the commands, in the output and in the files the
set-up wrote), ``busy=PORT`` (a
free port is held open, and replaces the documented one, for an example of a port in use),
``bare-path`` (PATH holds only ``voicectl``, ``pytest`` and ``locust``: no espeak-ng, sox, ...).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from gate_runs import gate_runs
from shared_runs import CliRun, shared_run
from sybil import Document, Example, Region
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

from voicectl.cli.lazy import subcommands

ROOT = Path(__file__).resolve().parents[2]
GENERATED = {ROOT / "docs" / "reference" / "cli.md", ROOT / "docs" / "checks.md"}  # from the code
DOC_FILES = [
    ROOT / "README.md",
    *sorted(path for path in (ROOT / "docs").rglob("*.md") if path not in GENERATED),
]
BIN = Path(sys.prefix) / "bin"  # the venv's scripts, also in an xdist worker started by path
SHELLS = {"", "console", "bash", "sh", "shell", "text"}
KINDS = (
    "synopsis",
    "file",
    "sidecar",
    "suite",
    "steps",
    "usage",
    "python",
    "llm-script",
    "shell",
    "excerpt",
    "llm-stream",
    "llm-journal",
    "not",
)
DIRECTIVE = re.compile(r"<!--\s*example:\s*(?P<args>.*?)\s*-->\s*\n\s*$")
DURATION = re.compile(r" in \d+(?:\.\d+)? ?s(?: \(\d+:\d\d:\d\d\))?$")
COUNTS = re.compile(r"\s*\d+/\d+ (?:checks )?passed(?: \([^)]*\))?(?: in N s)?$")
CHECK_ROW = re.compile(r"^(PASS|FAIL|WARN|SKIP|ERROR) +(?!voicectl )(\S+)")


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its text and the comment before it."""

    path: Path
    line: int
    language: str
    source: str
    directive: str

    @property
    def words(self) -> list[str]:
        """The directive's words before any ``:`` (``verdict slow timeout=90``)."""
        return self.directive.split(":")[0].split()

    @property
    def kind(self) -> str:
        """What is done with the block: a directive's kind, else read from the block's text."""
        if self.words and self.words[0] in KINDS:
            return self.words[0]
        lines = [line for line in _joined(self.source) if line.strip()]
        if self.language in SHELLS and any(line.startswith("$ ") for line in lines):
            return "transcript"
        if self.language in SHELLS and lines and all(_is_voicectl(line) for line in lines):
            return "synopsis"
        return "unclassified"

    @property
    def flags(self) -> dict[str, str]:
        """``slow``, ``verdict``, ``timeout=60``, ``setup=NAME``, ... from the directive."""
        return dict(word.partition("=")[::2] for word in self.words)


def _joined(source: str) -> list[str]:
    """The block's lines, a line ending in a backslash joined with the next, as a shell does."""
    return source.replace("\\\n", " ").splitlines()


def _is_voicectl(line: str) -> bool:
    return line.startswith(("voicectl ", "#")) or line == "voicectl"


def _blocks(path: Path) -> Iterator[tuple[Region, Block]]:
    document = Document(path.read_text(encoding="utf-8"), str(path))
    lexer = RawFencedCodeBlockLexer(re.compile(r"(?P<language>[^\n]*)$\n", re.MULTILINE))
    for region in lexer(document):
        before = document.text[: region.start]
        match = DIRECTIVE.search(before[-400:])
        line = document.text.count("\n", 0, region.start) + 1
        language = str(region.lexemes["language"]).strip()
        block = Block(path, line, language, str(region.lexemes["source"]), "")
        if match is not None:
            block = Block(path, line, language, block.source, match["args"])
        yield region, block


def parse_doc_examples(document: Document) -> Iterator[Region]:
    """The Sybil parser: one region per fenced block, evaluated by what the block is."""
    for region, block in _blocks(Path(document.path)):
        region.parsed = block
        region.evaluator = _evaluate
        yield region


def _evaluate(example: Example) -> None:
    block: Block = example.parsed
    evaluate = EVALUATORS.get(block.kind)
    assert evaluate is not None, (
        f"{_where(block)}: neither a transcript ($ lines) nor a voicectl synopsis; say what it is "
        "with an <!-- example: ... --> comment (see this module's docstring)"
    )
    evaluate(block)


def _all_blocks() -> list[Block]:
    return [block for path in DOC_FILES for _region, block in _blocks(path)]


def _examples() -> list[Any]:
    params = []
    for path in DOC_FILES:
        document = Document.parse(str(path), parse_doc_examples)
        for example in document.examples():
            block: Block = example.parsed
            if block.kind == "not":
                continue
            marks = [pytest.mark.timeout(float(block.flags.get("timeout", 120)) + 60)]
            if "slow" in block.flags:
                marks.append(pytest.mark.slow)
            if "timing" in block.flags:
                marks.append(pytest.mark.timing)
            if "corpus" in block.flags:
                marks.append(pytest.mark.corpus)
            name = f"{path.relative_to(ROOT)}:{block.line}"
            params.append(pytest.param(example, id=name, marks=marks))
    return params


@pytest.mark.parametrize("example", _examples())
def test_doc_example(example: Example) -> None:
    example.evaluate()


def test_every_code_block_in_the_docs_is_run_or_says_why_not() -> None:
    known = set(EVALUATORS) | {"not"}
    unclassified = [
        f"{b.path.relative_to(ROOT)}:{b.line} ({b.kind})"
        for b in _all_blocks()
        if b.kind not in known
    ]
    assert unclassified == []
    reasonless = [
        f"{b.path.relative_to(ROOT)}:{b.line}"
        for b in _all_blocks()
        if b.kind == "not" and not b.directive.partition("not run:")[2].strip()
    ]
    assert reasonless == []


# --- transcripts ------------------------------------------------------------------------------


@dataclass
class Step:
    """One ``$ command`` of a transcript and the output shown under it."""

    command: str
    shown: list[str] = field(default_factory=list)


def _steps(source: str) -> list[Step]:
    steps: list[Step] = []
    continued = False
    for line in source.splitlines():
        if continued:  # the command's previous line ended in a backslash
            steps[-1].command = f"{steps[-1].command[:-1].rstrip()} {line.strip()}"
        elif line.startswith("$ "):
            steps.append(Step(line[2:].strip()))
        elif steps:
            steps[-1].shown.append(line.rstrip())
        continued = bool(steps) and not steps[-1].shown and steps[-1].command.endswith("\\")
    for step in steps:
        while step.shown and not step.shown[-1]:
            step.shown.pop()
    return steps


def _scratch_dir(tmp: Path) -> Path:
    for name in ("voicectl", "tests", "examples", "fixtures"):
        (tmp / name).symlink_to(ROOT / name)
    # `voicectl`, `pytest` and `locust` in a transcript are this interpreter's, whatever else
    # is on PATH.
    scripts = tmp / ".bin"
    scripts.mkdir()
    for name in ("voicectl", "pytest", "locust"):
        script = scripts / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m {name} "$@"\n')
        script.chmod(0o755)
    return tmp


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run_transcript(block: Block) -> None:
    import tempfile

    flags = block.flags
    timeout = float(flags.get("timeout", 120))
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    env.pop("FORCE_COLOR", None)
    with tempfile.TemporaryDirectory(prefix="voicectl-doc-") as tmp:
        cwd = _scratch_dir(Path(tmp))
        env["PATH"] = f"{cwd / '.bin'}{os.pathsep}{env['PATH']}"
        if "setup" in flags:
            SETUPS[flags["setup"]](cwd)
        steps = _steps(block.source)
        bot = None
        if "bot" in flags:
            documented = flags["bot"]
            port = _free_port()
            for written in (p for p in cwd.iterdir() if p.is_file() and not p.is_symlink()):
                text = written.read_text()
                written.write_text(text.replace(f":{documented}", f":{port}"))
            bot = subprocess.Popen(
                [str(cwd / ".bin" / "voicectl"), "bot", "--port", str(port), "--max-calls", "4"],
                cwd=cwd,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_for_port(port, 60)
            for step in steps:
                step.command = step.command.replace(f":{documented}", f":{port}")
                step.shown = [line.replace(f":{documented}", f":{port}") for line in step.shown]
        busy = None
        if "busy" in flags:
            busy = socket.socket()
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            for step in steps:
                step.command = step.command.replace(flags["busy"], str(port))
                step.shown = [line.replace(flags["busy"], str(port)) for line in step.shown]
        if "bare-path" in flags:  # only voicectl and pytest: no espeak-ng, sox, ...
            env["PATH"] = str(cwd / ".bin")
        try:
            status = None
            for step in steps:
                if step.command == "echo $?":
                    assert step.shown == [str(status)], f"{_where(block)}: exit code {status}"
                    continue
                if "shared" in flags and _is_plain_voicectl(step.command):
                    run = shared_run(*shlex.split(step.command)[1:], timeout=timeout)
                    status = run.code
                    _compare(block, step, [line.rstrip() for line in run.output.splitlines()])
                    continue
                result = subprocess.run(
                    ["/bin/bash", "-c", step.command],
                    cwd=cwd,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=timeout,
                )
                status = result.returncode
                _compare(block, step, [line.rstrip() for line in result.stdout.splitlines()])
        finally:
            if busy is not None:
                busy.close()
            if bot is not None:
                bot.terminate()
                bot.wait(10)


def _is_plain_voicectl(command: str) -> bool:
    """A ``voicectl`` command with no shell syntax: it can be one shared run (``shared``)."""
    return command.startswith("voicectl ") and not re.search(r"[|&;<>$`*]", command)


def _shared_run_above(block: Block) -> CliRun:
    """The shared run of the last ``shared`` transcript above ``block`` on its page."""
    above = [
        b
        for _r, b in _blocks(block.path)
        if b.line < block.line and b.kind == "transcript" and "shared" in b.flags
    ]
    assert above, f"{_where(block)}: no shared transcript above it on the page"
    commands = [s.command for s in _steps(above[-1].source) if _is_plain_voicectl(s.command)]
    timeout = float(above[-1].flags.get("timeout", 120))
    return shared_run(*shlex.split(commands[-1])[1:], timeout=timeout)


def _check_excerpt(block: Block) -> None:
    """``excerpt file=NAME``: the lines shown are, in order, lines of the file NAME that the
    shared run of the transcript above wrote (``...`` stands for any lines or text)."""
    run = _shared_run_above(block)
    written = (run.folder / block.flags["file"]).read_text().splitlines()
    remaining = iter([line.rstrip() for line in written])
    for line in (line.rstrip() for line in block.source.splitlines() if line.strip() != "..."):
        assert any(_same(line, candidate) for candidate in remaining), (
            f"{_where(block)}: {line!r} is not in {block.flags['file']} (in order):\n"
            + "\n".join(written)
        )


def _wait_for_port(port: int, seconds: float) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"the reference bot did not listen on {port} within {seconds} s")


def _where(block: Block) -> str:
    return f"{block.path.relative_to(ROOT)}:{block.line}"


def _without_durations(lines: list[str]) -> list[str]:
    """Run times (``in 0.6 s`` ending a verdict headline, pytest's ``in 17.63s``) made equal."""
    return [DURATION.sub(" in N s", line) for line in lines]


def _compare(block: Block, step: Step, actual: list[str]) -> None:
    mode = "verdict" if "verdict" in block.flags else "lines" if "lines" in block.flags else "full"
    shown = _without_durations(step.shown)
    got = _without_durations(actual)
    while got and not got[-1]:
        got.pop()
    where = f"{_where(block)}: $ {step.command}"
    if mode == "full":
        assert _matches(shown, got), (
            f"{where}\n--- shown\n" + "\n".join(shown) + ("\n--- actual\n" + "\n".join(got))
        )
    elif mode == "verdict":
        shown_headline, actual_headline = _headline(shown), _headline(got)
        assert actual_headline.startswith(shown_headline), (
            f"{where}: the verdict line is\n{actual_headline}\nnot\n{shown_headline}"
        )
        rows = {m.groups() for line in got if (m := CHECK_ROW.match(line))}
        for line in shown:
            if (m := CHECK_ROW.match(line)) is not None:
                assert m.groups() in rows, f"{where}: no check row {m.groups()} in\n" + "\n".join(
                    got
                )
    else:
        remaining = iter(got)
        for line in (line for line in shown if line.strip() != "..."):
            assert any(_same(line, candidate) for candidate in remaining), (
                f"{where}: {line!r} missing"
            )


def _headline(lines: list[str]) -> str:
    """The verdict line, unwrapped, without its counts and run time.

    ``FAIL  voicectl load  1 failed: load.success_rate; 2/3 passed in 41.3 s`` is compared as
    ``FAIL voicectl load 1 failed: load.success_rate;``: the verdict and the checks that failed
    or errored, not how many others passed (a check added to a command changes that count).
    """
    words: list[str] = []
    for line in lines:
        if not line.strip() or line.strip() == "..." or CHECK_ROW.match(line):
            break
        words += line.split()
    return COUNTS.sub("", DURATION.sub("", " ".join(words))).strip()


def _matches(shown: list[str], actual: list[str]) -> bool:
    """Line-by-line equality where a ``...`` line matches any number of lines."""
    if not shown:
        return not actual
    if shown[0].strip() == "...":
        return any(_matches(shown[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and _same(shown[0], actual[0]) and _matches(shown[1:], actual[1:])


def _same(shown: str, actual: str) -> bool:
    """A shown line matches an output line; ``...`` inside it stands for any text."""
    if "..." not in shown:
        return shown == actual
    return (
        re.fullmatch(".*".join(re.escape(part) for part in shown.split("...")), actual) is not None
    )


# --- synopses, files, sidecars, suites, CI steps ----------------------------------------------


def _check_synopsis(block: Block) -> None:
    """Every command line parses; with ``continues``, a ``... --option`` line is parsed as the
    options added to the first command of the synopsis before it on the page."""
    base = ""
    if "continues" in block.flags:
        before = [
            b for _r, b in _blocks(block.path) if b.line < block.line and b.kind == "synopsis"
        ]
        assert before, f"{_where(block)}: no synopsis before it to continue"
        base = _joined(before[-1].source)[0].split("  #")[0].strip()
    for line in _joined(block.source):
        command = line.split("  #")[0].split(" # ")[0].strip()
        if base and command.startswith("... "):
            command = f"{base} {command[4:]}"
        if command and not command.startswith("#"):
            _parse_command_line(command, _where(block))


def _parse_command_line(command: str, where: str) -> None:
    """Parse ``voicectl ...`` with the real command line, without running it."""
    from typer._click.exceptions import ClickException

    node, path, args = _command_node(shlex.split(command), where)
    try:
        node.make_context(" ".join(path), args)
    except ClickException as error:
        raise AssertionError(f"{where}: {command!r}: {error.format_message()}") from None


def _check_file(block: Block) -> None:
    name = block.words[1]
    text = (ROOT / name).read_text()
    if "tail" in block.flags:
        assert text.endswith(block.source), f"{_where(block)} is not the end of {name} verbatim"
    else:
        assert text == block.source, f"{_where(block)} is not {name} verbatim"


def _check_sidecar(block: Block) -> None:
    from voicectl.audio.script import parse_script

    script = parse_script(json.loads(block.source), source=_where(block))
    assert script.utterances


def _check_suite(block: Block) -> None:
    import tempfile

    tomllib.loads(block.source)
    with tempfile.TemporaryDirectory(prefix="voicectl-doc-") as tmp:
        if "setup" in block.flags:
            SETUPS[block.flags["setup"]](Path(tmp))
        suite = Path(tmp) / "suite.toml"
        suite.write_text(block.source)
        result = subprocess.run(
            [sys.executable, "-m", "voicectl", "run", str(suite), "--dry-run"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, f"{_where(block)}: {result.stderr}"


def _check_steps(block: Block) -> None:
    steps = yaml.safe_load(block.source)
    commands = [
        line.strip()
        for step in steps
        if "run" in step
        for line in step["run"].replace("\n--", " --").splitlines()
        if line.strip().startswith("voicectl ")
    ]
    assert commands, f"{_where(block)}: no voicectl command"
    for command in commands:
        _parse_command_line(command.replace('"$GITHUB_STEP_SUMMARY"', "summary.md"), _where(block))


def _command_node(words: list[str], where: str) -> tuple[Any, list[str], list[str]]:
    """The click command ``words`` name, the path to it and the words after it."""
    from voicectl.cli.main import app

    assert words[0] == "voicectl", f"{where}: {' '.join(words)!r} is not a voicectl command"
    node: Any = typer.main.get_command(app)
    args = words[1:]
    path = ["voicectl"]
    while subcommands(node) and args and args[0] in subcommands(node):
        path.append(args[0])
        node = subcommands(node)[args.pop(0)]
    assert not subcommands(node), f"{where}: {' '.join(words)!r}: no such command"
    return node, path, args


def _check_usage(block: Block) -> None:
    """A usage line: the command exists and every ``--option`` shown is one of its options.

    ``[--within 8]`` parts whose value is a plain value are also parsed with that value.
    """
    text = " ".join(_joined(block.source))
    words = text.split()
    command = words[: next(i for i, w in enumerate(words) if w.startswith("["))]
    node, path, _ = _command_node(command, _where(block))
    known = {opt for param in node.params for opt in (*param.opts, *param.secondary_opts)}
    shown = re.findall(r"\[(--[^\]\s]+)(?: ([^\]]+))?\]", text)
    assert shown, f"{_where(block)}: no [--option] in the usage line"
    for option, value in shown:
        for name in option.split("/"):
            assert name in known, f"{_where(block)}: {' '.join(path)} has no option {name}"
        if value and not re.search(r"[…|]|[A-Z]{3,}", value):
            _parse_command_line(f"{' '.join(path)} {option} {value}", _where(block))


def _check_python(block: Block) -> None:
    """Python shown in the docs compiles, and the Pipecat/voicectl names it calls exist.

    ``python from=MODULE,MODULE``: every capitalised name called in the block is found in one of
    those modules, its keyword arguments are parameters it accepts, and every event name given
    to ``event_handler`` is one those classes register.
    """
    import ast
    import importlib
    import inspect

    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(
        block.source, _where(block), "exec", flags | ast.PyCF_ONLY_AST, dont_inherit=True
    )
    compile(tree, _where(block), "exec", flags, dont_inherit=True)
    modules = [importlib.import_module(m) for m in block.flags.get("from", "").split(",") if m]
    imported = {
        alias.asname or alias.name: importlib.import_module(node.module)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    classes: list[Any] = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        func = call.func
        if isinstance(func, ast.Name) and (func.id[0].isupper() or func.id in imported):
            owners = [imported[func.id]] if func.id in imported else modules
            found = [getattr(m, func.id) for m in owners if hasattr(m, func.id)]
            assert found, f"{_where(block)}: {func.id} is in none of {block.flags.get('from')}"
            target = found[0]
            classes.append(target)
            keywords = {k.arg: None for k in call.keywords if k.arg is not None}
            try:
                inspect.signature(target).bind_partial(**keywords)
            except TypeError as error:
                raise AssertionError(f"{_where(block)}: {func.id}(...): {error}") from None
        elif isinstance(func, ast.Attribute) and func.attr == "event_handler":
            event = call.args[0]
            assert isinstance(event, ast.Constant), f"{_where(block)}: event name not a string"
            sources = [inspect.getsource(c) for c in classes if inspect.isclass(c)]
            assert any(f'"{event.value}"' in source for source in sources), (
                f"{_where(block)}: no class called here registers the event {event.value!r}"
            )
    tests = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef)
        if n.name.startswith("test_")
    ]
    for test in tests:
        plugin = importlib.import_module("voicectl.pytest_plugin")
        for arg in test.args.args:
            assert hasattr(plugin, arg.arg), f"{_where(block)}: no voicectl fixture {arg.arg!r}"
    assert modules or imported or tests, f"{_where(block)}: name the modules with python from=..."
    if "run" in block.flags:  # the block itself runs, its `...` lines being no-ops
        import asyncio

        code = compile(tree, _where(block), "exec", flags, dont_inherit=True)
        result = eval(code, {"__name__": "doc_example"})
        if inspect.iscoroutine(result):
            asyncio.run(asyncio.wait_for(result, 60))


def _check_llm_script(block: Block) -> None:
    from voicectl.providers.openai_llm import LLMScript

    script = LLMScript.parse(json.loads(block.source), source=_where(block))
    assert script.rules


LLM_QUESTION = "Where is my order?"
_LLM_RUNS: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}


def _llm_fake_run(block: Block) -> tuple[list[str], list[dict[str, Any]]]:
    """The OpenAI fake, with the ``llm-script`` block above on the page, asked LLM_QUESTION
    with a ``check_order_status`` tool: its streamed answer (``data:`` lines) and its journal."""
    import asyncio

    import aiohttp

    from voicectl.providers.fakeset import FakeSet, plan_fakes
    from voicectl.providers.openai_http import LLMTiming
    from voicectl.providers.openai_llm import LLMScript

    scripts = [b for _r, b in _blocks(block.path) if b.line < block.line and b.kind == "llm-script"]
    assert scripts, f"{_where(block)}: no llm-script block above it on the page"
    key = _where(scripts[-1])
    if key in _LLM_RUNS:
        return _LLM_RUNS[key]
    script = LLMScript.parse(json.loads(scripts[-1].source), source=key)
    tool = {
        "type": "function",
        "function": {
            "name": "check_order_status",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    }
    request = {
        "model": "gpt-4.1-mini",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": LLM_QUESTION}],
        "tools": [tool],
    }

    async def ask() -> tuple[list[str], list[dict[str, Any]]]:
        plan = plan_fakes(["openai"], llm_script=script, llm_timing=LLMTiming(0.0))
        async with FakeSet(plan) as fakes, aiohttp.ClientSession() as session:
            url = fakes.env["OPENAI_BASE_URL"] + "/chat/completions"
            async with session.post(url, json=request) as response:
                body = await response.text()
            return [line for line in body.splitlines() if line], fakes.journal()

    _LLM_RUNS[key] = asyncio.run(asyncio.wait_for(ask(), 30))
    return _LLM_RUNS[key]


def _check_llm_stream(block: Block) -> None:
    """The streamed answer shown is the fake's, line for line (``created`` is the clock's)."""
    streamed, _journal = _llm_fake_run(block)
    created = re.compile(r'"created": \d+')
    shown = [created.sub('"created": N', line) for line in block.source.splitlines() if line]
    actual = [created.sub('"created": N', line) for line in streamed]
    assert shown == actual, f"{_where(block)}: the fake streamed\n" + "\n".join(streamed)


def _check_llm_journal(block: Block) -> None:
    """The journal event shown is one the fake wrote for that request (``t`` is the clock's)."""
    _streamed, journal = _llm_fake_run(block)
    shown = json.loads(block.source)
    shown.pop("t")
    events = [{k: v for k, v in event.items() if k != "t"} for event in journal]
    assert shown in events, f"{_where(block)}: not in the journal:\n" + "\n".join(
        json.dumps(e) for e in journal
    )


def _check_shell(block: Block) -> None:
    """Commands that install or run the whole suite: what they name exists.

    Each repository path named exists; each ``pip install`` extra is in pyproject.toml; each
    ``pytest -m MARKER`` is a registered marker; ``voicectl`` commands parse; ``locust`` command
    lines parse with Locust's own argument parser.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = set(project["project"]["optional-dependencies"])
    markers = {m.split(":")[0] for m in project["tool"]["pytest"]["ini_options"]["markers"]}
    for line in _joined(block.source):
        for command in re.split(r"&&|;", line.split("  #")[0]):
            words = shlex.split(command)
            if not words:
                continue
            program = Path(words[0]).name
            for word in words:
                if re.fullmatch(r"[\w.-]+/[\w./-]+", word) and not word.startswith(".venv/"):
                    assert (ROOT / word).exists(), f"{_where(block)}: {word} does not exist"
            if program == "pip":
                for extra in re.findall(r"\[([\w,-]+)\]", command):
                    missing = set(extra.split(",")) - extras
                    assert not missing, f"{_where(block)}: no extra {missing} in pyproject.toml"
            if program == "pytest" and "-m" in words:
                marker = words[words.index("-m") + 1]
                assert marker in markers, f"{_where(block)}: no pytest marker {marker!r}"
            if program == "voicectl":
                _parse_command_line(shlex.join(["voicectl", *words[1:]]), _where(block))
            if program == "locust":  # in a child: importing locust monkey-patches with gevent
                parse = "import sys; from locust.argument_parser import parse_options as p; p(sys.argv[1:])"
                result = subprocess.run(
                    [sys.executable, "-c", parse, *words[1:]],
                    capture_output=True,
                    text=True,
                    timeout=60,
                )
                assert result.returncode == 0, f"{_where(block)}: {command}: {result.stderr}"


EVALUATORS: dict[str, Callable[[Block], None]] = {
    "transcript": _run_transcript,
    "synopsis": _check_synopsis,
    "file": _check_file,
    "sidecar": _check_sidecar,
    "suite": _check_suite,
    "steps": _check_steps,
    "usage": _check_usage,
    "python": _check_python,
    "llm-script": _check_llm_script,
    "shell": _check_shell,
    "excerpt": _check_excerpt,
    "llm-stream": _check_llm_stream,
    "llm-journal": _check_llm_journal,
}


# --- set-ups: the files an example uses -------------------------------------------------------


def _mislabelled_recordings(cwd: Path) -> None:
    from voicectl.audio.io import load_audio, resample, write_wav
    from voicectl.audio.script import bundled_fixtures_dir

    order = load_audio(bundled_fixtures_dir() / "order_status.wav")
    billing = load_audio(bundled_fixtures_dir() / "billing_question.wav")
    write_wav(cwd / "order_status_16k_header.wav", order.samples, 16000)
    write_wav(cwd / "billing_16k.wav", resample(billing.samples, 8000, 16000), 16000)
    write_wav(cwd / "billing_48k.wav", resample(billing.samples, 8000, 48000), 48000)
    write_wav(cwd / "billing_16k_8k_header.wav", resample(billing.samples, 8000, 16000), 8000)


def _corpus_calls(cwd: Path) -> None:
    """Three items of the real-speech rate corpus as WAV files: a call labelled right as 8 kHz
    mu-law and as 48 kHz, and a 16 kHz call written with an 8 kHz header."""
    from real_speech_corpus import real_speech_corpus

    from voicectl.audio.io import write_wav

    wanted = {
        ("call_8k_en_1", "8k mu-law"): "call_8k_en_1_mulaw.wav",
        ("call_16k_en_1", "48k from 16k"): "call_16k_en_1_48k.wav",
        ("call_16k_en_1", "16k declared 8k"): "call_16k_en_1_8k_header.wav",
    }
    for item in real_speech_corpus():
        if (item.name, item.variant) in wanted:
            write_wav(cwd / wanted[item.name, item.variant], item.samples, item.declared_rate)


def _overlapping_sidecar(cwd: Path) -> None:
    from voicectl.audio.script import bundled_fixtures_dir

    fixtures = bundled_fixtures_dir()
    (cwd / "bad.wav").write_bytes((fixtures / "order_status.wav").read_bytes())
    sidecar = json.loads((fixtures / "order_status.json").read_text())
    sidecar["utterances"][1]["start"] = 3.0
    (cwd / "bad.json").write_text(json.dumps(sidecar))
    (cwd / "call_a.wav").write_bytes((ROOT / "tests/data/real_calls/call_a.wav").read_bytes())
    sidecar["utterances"][1]["start"] = 8.3287
    (cwd / "call_a.json").write_text(json.dumps({**sidecar, "duration_s": 60.0}))


def _bad_suites(cwd: Path) -> None:
    files = {
        "typo-option.toml": '[[scenario]]\nname = "revoked-key"\ncommand = "chaos ws-close"\n'
        "cod = 1008\n",
        "bad-type.toml": '[[scenario]]\nname = "barge-in"\ncommand = "chaos interrupt"\n'
        'answer-within = "soon"\n',
        "typo.toml": '[[scenario]]\ncommand = "chaos ws-clsoe"\n',
        "pol.toml": '[policy]\nswitch_within = 5\n\n[[scenario]]\ncommand = "replay"\n',
    }
    for name, text in files.items():
        (cwd / name).write_text(text)


def _word_script(cwd: Path) -> None:
    from voicectl.audio.script import bundled_fixtures_dir

    (cwd / "word.toml").write_text(
        f'[call]\naudio = "{bundled_fixtures_dir() / "order_status.wav"}"\n\n'
        '[[step]]\nsay = 1\n[[step]]\nwait_for = "word:order"\nwithin = 5\n'
        '[[step]]\nexpect = "word:refund"\nwithin = 2\n'
    )


def _text_script(cwd: Path) -> None:
    (cwd / "text.toml").write_text('[[step]]\nsay = "hello there"\n')


def _call_scripts(cwd: Path) -> None:
    """The call scripts a suite fragment names: the bundled one, under ``calls/``."""
    from voicectl.audio.script import bundled_fixtures_dir

    bundled = (ROOT / "voicectl" / "data" / "calls" / "order_status.call.toml").read_text()
    script = bundled.replace(
        '"../fixtures/order_status.wav"', f'"{bundled_fixtures_dir() / "order_status.wav"}"'
    )
    (cwd / "calls").mkdir()
    for name in ("order_status", "refund"):
        (cwd / "calls" / f"{name}.call.toml").write_text(script)


def _suite_example(cwd: Path) -> None:
    """examples/voicectl-suite.toml as ``voicectl-suite.toml``, the suite ``voicectl run`` finds."""
    (cwd / "voicectl-suite.toml").write_text(
        (ROOT / "examples" / "voicectl-suite.toml").read_text()
    )


def _gate_runs(cwd: Path) -> None:
    """``base.json``, ``same.json`` and ``slow.json``: the regression-gate test's three runs."""
    for name, run in gate_runs().items():
        shutil.copy(run.folder / f"{name}.json", cwd / f"{name}.json")


def _two_party_call(cwd: Path) -> None:
    """A real two-party recording (caller left, bot right) as ``call.wav``, no sidecar."""
    (cwd / "call.wav").write_bytes((ROOT / "tests/data/real_calls/two_party.wav").read_bytes())


def _test_without_allow(cwd: Path) -> None:
    """examples/test_my_bot.py's last test, without its ``allow``."""
    (cwd / "test_without_allow.py").write_text(
        "from voicectl.pytest_plugin import assert_report_passes\n\n\n"
        "def test_soniox_gives_up_on_a_revoked_key(voicectl_cli):\n"
        '    report = voicectl_cli("chaos", "ws-close", "--code", "1008", "--budget", "5")\n'
        "    assert_report_passes(report)\n"
    )


SETUPS: dict[str, Callable[[Path], None]] = {
    "test-without-allow": _test_without_allow,
    "two-party-call": _two_party_call,
    "suite-example": _suite_example,
    "word-script": _word_script,
    "text-script": _text_script,
    "call-scripts": _call_scripts,
    "mislabelled-recordings": _mislabelled_recordings,
    "corpus-calls": _corpus_calls,
    "overlapping-sidecar": _overlapping_sidecar,
    "bad-suites": _bad_suites,
    "gate-runs": _gate_runs,
}
