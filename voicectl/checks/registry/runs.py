"""Checks of whole runs: load, suites, baselines, scripted callers and the user's bot process."""

from __future__ import annotations

from voicectl.checks.registry.spec import CheckSpec

__all__ = ["SPECS"]

_LD = "tests/unit/test_load.py::"
_SM = "tests/unit/test_suite_merge.py::"
_CC = "tests/unit/test_caller_checks.py::"


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "load.success_rate",
        "calls succeed under load",
        ("load",),
        "the share of calls that connected, were answered and closed normally",
        "≥ 0.99 (--min-success)",
        "one failed call in a hundred is the most a production line tolerates",
        _LD + "test_success_rate_passes_at_the_bound_and_fails_below_it_naming_the_cause",
        _LD + "test_success_rate_passes_at_the_bound_and_fails_below_it_naming_the_cause",
    ),
    CheckSpec(
        "load.first_audio_p95",
        "first audio stays fast under load",
        ("load",),
        "p95 of the time from the end of each utterance to the first bot audio",
        "2.5 s (--first-audio-p95, LoadBounds)",
        "10 runs of voicectl load's default shape (tests/benchmarks/bench_load_bound.py): the "
        "reference bot 1.90-2.06 s at load average up to 7.8, a bot 1 s slower to answer "
        "2.92-3.01 s, so 2.5 s is the middle (margins 0.44 and 0.42 s); with other jobs at load "
        "8.0-9.8 the correct bot reached 2.59-2.97 s (3 of 10 runs over the bound, the slow bot "
        "up to 3.68 s): on a saturated machine the bot is starved and the bound does not separate",
        _LD + "test_first_audio_p95_passes_under_the_bound_and_fails_over_it",
        _LD + "test_first_audio_p95_passes_under_the_bound_and_fails_over_it",
    ),
    CheckSpec(
        "load.client_pacing",
        "the load generator kept real time",
        ("load",),
        "p95 lateness of the generator's own frame sends",
        "5 ms",
        "a late generator measures itself, not the bot: the run is invalid (error)",
        _LD + "test_client_pacing_passes_when_the_generator_kept_time",
        _LD + "test_client_pacing_marks_the_run_invalid_when_the_generator_fell_behind",
        worst="error",
    ),
    CheckSpec(
        "harness",
        "a suite scenario ran to completion",
        ("run", "smoke"),
        "the scenario's command ran, finished and wrote a report with checks",
        "its --timeout plus a grace period",
        "a scenario that did not finish tested nothing",
        None,
        _SM + "test_a_scenario_that_could_not_start_is_an_error",
        worst="error",
        never_passes_because="it is emitted only for a scenario that did not run to completion",
    ),
    CheckSpec(
        "exit_code",
        "a suite scenario's exit code matches its report",
        ("run", "smoke"),
        "the scenario exited with the code its report implies",
        "equal codes",
        "a mismatch means the command and its report disagree about the verdict",
        None,
        _SM + "test_an_exit_code_the_report_does_not_explain_is_an_error",
        worst="error",
        never_passes_because="it is emitted only when the codes disagree",
    ),
    *(
        CheckSpec(
            f"baseline.first_audio_p{p}",
            f"first-audio latency p{p} did not regress against the baseline",
            (
                "replay",
                "chaos interrupt",
                "chaos hangup",
                "chaos carrier-close",
                "load",
                "report compare",
            ),
            f"the new run's first-audio p{p} is not slower than the baseline's by the minimum "
            "effect with a 95 % bootstrap interval (4000 resamples, seeded) excluding zero",
            "100 ms (--min-effect-ms on report compare)",
            "below 100 ms a caller does not hear the difference; the interval keeps run-to-run "
            "noise from failing CI",
            "tests/unit/test_compare.py::test_a_run_compared_with_itself_passes",
            "tests/unit/test_compare.py::"
            "test_a_bot_0_8_s_slower_fails_both_percentiles_with_the_interval",
        )
        for p in (50, 95)
    ),
    CheckSpec(
        "call.wait_for",
        "a scripted caller's wait_for step was met",
        ("call",),
        "bot speech, bot silence for `for` seconds, or a transcript word within the step's bound",
        "`within`, default 10 s (silence: 1 s of quiet)",
        "a caller waits a few seconds for a bot before repeating or hanging up",
        "tests/unit/test_call_script.py::"
        "test_judge_passes_met_steps_fails_unmet_ones_and_errors_unreached_ones",
        "tests/integration/test_scripted_caller.py::"
        "test_a_script_against_a_mute_bot_fails_and_stops_at_the_failed_wait",
    ),
    CheckSpec(
        "call.expect",
        "a scripted caller's expectation held",
        ("call",),
        "bot_answered (bot audio within `within` of the last say's end), bot_silent (no bot "
        "audio for `for` s), call_open, or a transcript word",
        "`within`, default 3 s; bot_silent `for`, default 2 s",
        "3 s is replay.bot_answered's bound: a caller repeats or hangs up after about 3 s",
        "tests/integration/test_scripted_caller.py::"
        "test_a_script_against_an_answering_bot_passes_and_sends_dtmf",
        "tests/unit/test_call_script.py::"
        "test_judge_passes_met_steps_fails_unmet_ones_and_errors_unreached_ones",
    ),
    CheckSpec(
        "caller.silence_bounded",
        "the caller was not left in silence after a fault",
        ("replay --bot-cmd --fault",),
        "every caller turn waiting for an answer when the fault hit, or ending after it, is "
        "answered (bot audio or the bot ending the call) within the bound",
        "8 s (--caller-silence-bound)",
        "past about 8 s of dead air callers ask 'hello?' or hang up; Pipecat's default reconnect "
        "budget (3 tries, 4 s apart) is longer, so a bot that only waits out its provider fails",
        _CC + "test_a_bot_that_answers_every_turn_after_the_fault_passes",
        _CC + "test_a_caller_talking_into_silence_after_the_fault_fails",
    ),
    CheckSpec(
        "call.ended_cleanly",
        "the bot's pipeline for the call ended",
        ("replay --bot-cmd --fault",),
        "the call's PipelineWorker reported on_pipeline_finished once the call was over (seen "
        "through voicectl's PIPECAT_SETUP_FILES hook)",
        "5 s after the call ends",
        "a pipeline still running after its caller is gone holds a provider connection and a task",
        _CC + "test_a_pipeline_that_finished_after_the_call_passes",
        _CC + "test_a_pipeline_left_running_after_the_call_fails",
    ),
    CheckSpec(
        "bot.stopped_cleanly",
        "the bot stopped on SIGTERM with nothing left running",
        ("replay --bot-cmd --fault",),
        "the bot exits on SIGTERM and no process of its process group is left",
        "5 s after SIGTERM",
        "uvicorn and Pipecat's runner exit well within it; a bot that needs SIGKILL loses calls "
        "on every deploy",
        _CC + "test_a_bot_that_exits_on_sigterm_with_nothing_left_passes",
        _CC + "test_a_bot_that_ignores_sigterm_or_leaves_processes_fails",
    ),
    CheckSpec(
        "suite.accept",
        "every accepted check id names a check",
        ("run", "smoke"),
        "each `accept` entry of a scenario names a check the scenario reported",
        "every entry used",
        "an accept entry that names nothing hides a typo",
        None,
        _SM + "test_an_accept_entry_that_names_no_check_warns",
        worst="warn",
        never_passes_because="it is emitted only for an accept entry that names no check",
    ),
)
