"""Checks of a provider fault: close codes, reconnects, surfaced errors and failover."""

from __future__ import annotations

from voicectl.checks.registry.spec import CheckSpec

__all__ = ["SPECS"]

_RC = "tests/unit/test_reconnect_checks.py::"
_FO = "tests/unit/test_failover_checks.py::"
_PROVIDER = ("chaos provider",)
_STALL = "a stalled provider is only noticed by a keepalive or a send timeout"


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "close.not_retried",
        "a non-recoverable close is not retried",
        _PROVIDER,
        "no reconnect after a non-recoverable close code or handshake status",
        "zero reconnects (skipped for recoverable codes)",
        "RFC 6455 1008-class closes and HTTP 401/403 cannot be retried away (policy)",
        _RC + "test_1008_not_retried_passes_once_the_target_gave_up_and_stayed_quiet",
        _RC + "test_1008_retried_three_times_fails_close_not_retried",
    ),
    CheckSpec(
        "reconnect.bounded",
        "reconnects are bounded",
        _PROVIDER,
        "at most --max-attempts retries per incident, and no loop still running at the end",
        "3 retries (--max-attempts)",
        "Pipecat's own WebsocketService gives up after 3; a caller waits no longer than that",
        _RC + "test_quick_failure_give_up_is_bounded",
        _RC + "test_1011_every_6_s_fails_reconnect_bounded",
    ),
    CheckSpec(
        "reconnect.backoff",
        "retries back off with jitter",
        _PROVIDER,
        "retries at least 0.25 s apart, with jittered (not fixed or exactly doubling) delays",
        "0.25 s minimum delay, 20 ms jitter tolerance",
        "fixed delays synchronise many clients into a storm; a warning, since it is advice",
        _RC + "test_jittered_exponential_delays_pass",
        _RC + "test_retries_without_delay_warn",
        worst="warn",
    ),
    CheckSpec(
        "error.surfaced",
        "a terminal error is surfaced",
        _PROVIDER,
        "a terminal ErrorFrame within the bound once the service gives up",
        "2.0 s (--surface-within); 10 s for stalls",
        f"a bot must tell its pipeline within a caller's patience; {_STALL}",
        _RC + "test_handshake_401_with_a_permanent_error_passes_everything",
        _RC + "test_silent_endless_reconnects_fail_error_surfaced_and_unusable",
    ),
    CheckSpec(
        "error.attributable",
        "the error names its cause",
        _PROVIDER,
        "the surfaced error's text names the close code, status or reason as a whole token",
        "one cause term",
        "an operator must be able to act on the error without a packet capture",
        _RC + "test_handshake_401_with_a_permanent_error_passes_everything",
        _RC + "test_error_that_does_not_name_the_cause_fails_attributable",
    ),
    CheckSpec(
        "service.unusable_after_give_up",
        "the service is marked unusable",
        _PROVIDER,
        "on_usable_changed(False) within the bound after the service gives up",
        "2.0 s (--surface-within)",
        "a ServiceSwitcher can only fail over from a service that says it is unusable",
        _RC + "test_handshake_401_with_a_permanent_error_passes_everything",
        _RC + "test_silent_endless_reconnects_fail_error_surfaced_and_unusable",
    ),
    CheckSpec(
        "recvloop.error_surfaced",
        "a receive-loop failure is surfaced",
        ("chaos provider", "chaos failover"),
        "an ErrorFrame (provider) or an error, heartbeat timeout or reconnect (failover stall)",
        "2.0 s (provider, --surface-within); 5.0 s (failover stall)",
        "an in-band error or a stall that vanishes leaves the caller talking into silence",
        _RC + "test_in_band_error_reported_as_an_error_frame_passes_recvloop",
        _RC + "test_in_band_error_that_vanishes_fails_recvloop",
    ),
    CheckSpec(
        "latency.tolerated",
        "provider latency is tolerated",
        _PROVIDER,
        "no reconnect or error, and every answer still delivered",
        "answers within 1.0 s of grace after the injected delay",
        "latency is not a failure: a service must wait it out, not reconnect",
        _RC + "test_latency_tolerated_when_answers_arrive_late_but_arrive",
        _RC + "test_latency_that_loses_answers_fails",
    ),
    CheckSpec(
        "fault.fired",
        "the fault was injected",
        _PROVIDER,
        "the injected fault acted on a connection (emitted only when it did not)",
        "the fault's trigger was reached",
        "a run whose fault never acted tested nothing",
        None,
        _RC + "test_a_target_that_never_connects_is_a_harness_error",
        worst="error",
        never_passes_because="it is emitted only to say the fault never acted",
    ),
    CheckSpec(
        "failover.switched",
        "the switcher failed over",
        ("chaos failover", "replay --bot-cmd --fault"),
        "on_service_switched within the bound after each crash of the active service",
        "15.0 s (--switch-within)",
        "Pipecat 1.14's default retries take about 12 s before it switches: measured over 10 "
        "runs of chaos stt-crash --mode close --backoff 4,10 (Pipecat's own backoff), load "
        "2.6-4.3 (tests/benchmarks/bench_caller_bounds.py): 11.94-12.03 s, so a correct bot "
        "sits at 80 % of the bound (2.97 s margin, set by Pipecat's fixed backoff, not by "
        "noise); an STT that raises (--mode exception) never switched in 10 of 10 (302 errors, "
        "the service stayed usable)",
        _FO + "test_switched_passes_within_the_bound_and_names_the_deciding_error",
        _FO + "test_switched_fails_when_too_slow",
    ),
    CheckSpec(
        "failover.transcripts_continue",
        "transcripts continue after the switch",
        ("chaos failover", "replay --bot-cmd --fault"),
        "the service switched to transcribes the utterances after the switch",
        "utterances starting 1.0 s after the switch",
        "a switch needs a moment before the new service has heard a whole utterance",
        _FO + "test_transcripts_continue_passes_and_reports_the_loss_and_gap",
        _FO + "test_transcripts_continue_fails_when_the_backup_hears_nothing",
    ),
    CheckSpec(
        "failover.cause_visible",
        "the cause of the switch is visible",
        ("chaos failover", "replay --bot-cmd --fault"),
        "an error marking the service unusable precedes the switch",
        "one such error before the switch",
        "a switch nobody can explain from the logs cannot be fixed",
        _FO + "test_cause_visible_passes_with_the_absorbed_error_and_fails_without_one",
        _FO + "test_cause_visible_passes_with_the_absorbed_error_and_fails_without_one",
    ),
    CheckSpec(
        "failover.no_false_switch",
        "no switch without a crash",
        ("chaos failover",),
        "no on_service_switched while every service is healthy",
        "zero switches",
        "a switch away from a healthy service loses its context for nothing",
        _FO + "test_no_false_switch_passes_and_fails",
        _FO + "test_no_false_switch_passes_and_fails",
    ),
    CheckSpec(
        "failover.failback",
        "the bot went back to the primary STT after it recovered",
        ("chaos failover",),
        "on_service_switched to the primary within the bound after the primary recovered "
        "(not merely because the backup crashed); a warn, since Pipecat 1.14 has no failback",
        "10.0 s (--failback-within)",
        "a bot left on the backup pays its cost and quality for the rest of the call; LiveKit "
        "re-probes the primary, Pipecat leaves it to the application",
        _FO + "test_failback_passes_when_the_bot_returns_to_the_recovered_primary",
        _FO + "test_failback_warns_when_the_bot_stays_on_the_backup",
        worst="warn",
    ),
)
