"""Every check id voicectl can emit: what it expects, its default bound and why, and its tests.

The catalogue in the docs is generated from :data:`CHECKS`, and a unit test
(tests/unit/test_check_registry.py) fails when code emits an id that is not registered here or
a registered test no longer exists. Register a new check here in the commit that adds it.

Suites prefix each check id with its scenario (``<scenario>/<id>``); :func:`spec_for` looks up
such scoped ids too. This module imports nothing from voicectl or Pipecat on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["CHECKS", "CheckSpec", "all_specs", "spec_for"]

#: The worst verdict a check gives when its expectation is not met.
Worst = Literal["fail", "warn", "error"]


@dataclass(frozen=True)
class CheckSpec:
    """One check id: what it expects and the pytest node ids that show it passing and failing.

    ``passes_in`` is a test where the check passes (None only when the check exists to say
    that something could not be judged and so never passes); ``fails_in`` is a test where it
    gives ``worst``.
    """

    id: str
    title: str
    commands: tuple[str, ...]
    expects: str
    bound: str
    bound_why: str
    passes_in: str | None
    fails_in: str
    worst: Worst = "fail"
    never_passes_because: str = ""

    def __post_init__(self) -> None:
        if self.passes_in is None and not self.never_passes_because:
            raise ValueError(f"{self.id}: a check without a passing test must say why")


_RC = "tests/unit/test_reconnect_checks.py::"
_FO = "tests/unit/test_failover_checks.py::"
_CV = "tests/unit/test_conversation_checks.py::"
_TC = "tests/unit/test_tool_call_checks.py::"
_RM = "tests/unit/test_resample_matrix.py::"
_LD = "tests/unit/test_load.py::"
_SM = "tests/unit/test_suite_merge.py::"
_CC = "tests/unit/test_caller_checks.py::"
_CF = "tests/integration/test_chaos_caller.py::"
_CU = "tests/unit/test_caller_fault_checks.py::"
_SR = "tests/integration/test_chaos_slow_reader.py::"
_PROVIDER = ("chaos provider",)
_STALL = "a stalled provider is only noticed by a keepalive or a send timeout"


def _call_ending(prefix: str, command: str) -> tuple[CheckSpec, ...]:
    what = "the caller hangs up" if prefix == "hangup" else "the carrier closes the call"
    return (
        CheckSpec(
            f"{prefix}.bot_released_call",
            "bot released the call",
            (command,),
            f"the bot closes its side of the socket after {what}",
            "2.0 s (--release-within)",
            "a carrier bills and holds a line until both sides let go; 2 s is a generous close",
            _CV + "test_call_ending_checks_pass_for_a_bot_that_lets_go",
            _CV + "test_call_ending_checks_fail_for_a_bot_that_hangs_on",
        ),
        CheckSpec(
            f"{prefix}.pipeline_ended",
            "the bot's pipeline ended",
            (command,),
            f"the bot's Pipecat pipeline finishes after {what} (the in-process bot, or a --bot-cmd bot seen inside)",
            "5.0 s (--end-within), waited for at most twice that",
            "a pipeline still running after the call holds its services and their sockets",
            _CV + "test_call_ending_checks_pass_for_a_bot_that_lets_go",
            _CV + "test_call_ending_checks_fail_for_a_bot_that_hangs_on",
        ),
        CheckSpec(
            f"{prefix}.tasks_released",
            "the bot's tasks were released",
            (command,),
            "no asyncio task of the call is left running once the pipeline ended",
            "zero leftover tasks",
            "any task left is a leak that grows with every call",
            _CV + "test_call_ending_checks_pass_for_a_bot_that_lets_go",
            _CV + "test_call_ending_checks_fail_for_a_bot_that_hangs_on",
        ),
    )


_SPECS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "replay.bot_answered",
        "bot answered every utterance",
        ("replay", "smoke"),
        "every scripted utterance gets bot audio within the bound and the call ends without error",
        "3.0 s from the end of the utterance to the first bot audio; 5.0 s with --fast",
        "a caller repeats or hangs up after about 3 s of silence; --fast sends each utterance at "
        "once, so the reply also waits on the bot's backlog of caller audio (0.4-0.7 s on a quiet "
        "2-core machine, up to 3.3 s with six replays at once)",
        "tests/unit/test_replay_checks.py::"
        "test_bot_answered_passes_when_every_utterance_is_answered_in_time",
        "tests/unit/test_replay_checks.py::test_bot_answered_fails_naming_the_unanswered_utterance",
    ),
    CheckSpec(
        "replay.rate_consistency",
        "the bot perceives every rate alike",
        ("replay",),
        "Smart Turn probabilities and VAD speech coverage at each rate match the 16 kHz call "
        "(a run's calls pooled; coverage of the utterances every rate's pipeline processed)",
        "mean |Δp| ≤ 0.23, mean VAD coverage Δ ≤ 0.30",
        "measured over 10 --fast runs of the 3 bundled calls at 8/24/48 vs 16 kHz each, load "
        "3.6-8.5 (tests/benchmarks/bench_rate_consistency.py): |Δp| correct bot 0.000-0.128, "
        "Smart Turn told 16 kHz 0.340-0.557, so 0.23 is the middle (margin 0.10 and 0.11); one "
        "call alone overlaps (correct up to 0.21, bug from 0.15), hence the pooling. Mean coverage "
        "Δ of the correct bot 0.010-0.045 (largest single utterance 0.26): 0.30 leaves 0.25; no "
        "VAD rate bug was measured, so its side of the bound is unmeasured",
        "tests/unit/test_replay_checks.py::test_rate_consistency_passes_when_rates_perceive_alike",
        "tests/unit/test_replay_checks.py::"
        "test_rate_consistency_fails_when_the_turn_model_hears_everything_as_finished",
    ),
    CheckSpec(
        "carrier.protocol",
        "the bot spoke the carrier's protocol",
        ("replay", "load", "chaos interrupt", "chaos hangup", "chaos carrier-close", "smoke"),
        "every message the bot sends is one the real carrier accepts: this call's stream id, "
        "valid base64 in the carrier's encoding, known events, nothing after the call ended; "
        "the call's audio in the carrier's sample format (16-bit PCM or one byte a sample)",
        "zero rejected messages; messages within 1.0 s after the end are in flight, not late; "
        "the sample format is judged from 4 000 bytes of audio on: 16-bit PCM when the byte "
        "entropies at even and odd offsets differ by more than 1.0 bit, G.711 when they differ "
        "by less than 0.3 (with over 3 bits of signal); measured on the bundled calls: 2.0-2.8 "
        "bits for 16-bit PCM, at most 0.02 for mu-law and A-law",
        "a carrier silently drops what it rejects, and plays audio in the wrong sample format "
        "as noise: the caller hears nothing useful and no log says why",
        "tests/unit/test_carrier_conformance.py::test_a_conforming_bot_passes_with_its_counts",
        "tests/unit/test_carrier_conformance.py::"
        "test_every_kind_of_message_a_carrier_rejects_is_counted_with_the_first_kept",
    ),
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
        "Pipecat 1.14's default retries take about 12 s before it switches",
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
        "interrupt.clear_sent",
        "the bot cleared its audio on barge-in",
        ("chaos interrupt", "smoke"),
        "a carrier clear message within the bound after the caller starts speaking",
        "1.5 s (--clear-within)",
        "VAD start (about 0.2 s) plus a turn decision; longer and the caller talks over the bot",
        _CV + "test_clear_sent_passes_with_a_prompt_clear_and_reports_its_latency",
        _CV + "test_clear_sent_fails_without_a_clear_or_with_a_late_one",
    ),
    CheckSpec(
        "interrupt.audio_stopped",
        "bot audio stopped after the clear",
        ("chaos interrupt", "smoke"),
        "no bot audio later than the bound after the clear",
        "0.1 s of residual audio",
        "frames already in flight when the clear was sent; more is the bot talking over",
        _CV + "test_audio_stopped_passes_when_nothing_follows_the_clear",
        _CV + "test_audio_stopped_fails_on_audio_after_the_clear_or_talking_over_the_caller",
    ),
    CheckSpec(
        "interrupt.conversation_continues",
        "the bot answers the barge-in",
        ("chaos interrupt", "smoke"),
        "bot audio within the bound after the interrupting utterance ends",
        "4.0 s (--answer-within)",
        "an interrupted function call or a stuck turn freezes the bot; 4 s covers a slow LLM",
        _CV + "test_conversation_continues_passes_and_fails_on_a_freeze",
        _CV + "test_conversation_continues_passes_and_fails_on_a_freeze",
    ),
    CheckSpec(
        "interrupt.no_call_left_in_progress",
        "no function call left in progress",
        ("chaos interrupt --during tool-call",),
        "every function call the bot started (seen by Pipecat's FunctionCallObserver inside it) "
        "completed, failed, timed out or was cancelled by the end of the call, and the "
        "assistant aggregator counts none in progress",
        "none left (the caller waits for calls the answer started, up to --tool-wait)",
        "pipecat #3661 and flows #237: an orphaned in-progress call freezes the turn or the flow",
        _TC + "test_no_call_left_in_progress_passes_when_every_call_settled",
        _TC + "test_no_call_left_in_progress_fails_on_a_call_never_settled",
    ),
    CheckSpec(
        "interrupt.end_call_spared_caller",
        "an interrupted end_call did not hang up",
        ("chaos interrupt --during tool-call --function end_call",),
        "the end_call in progress when the caller barged in does not end the call",
        "none (the hang-up's tool_call_id must differ from the interrupted call's)",
        "pipecat #4997: an end_call from an interrupted generation hung up on a live caller",
        _TC + "test_end_call_spared_caller_passes_when_the_interrupted_end_call_did_not_hang_up",
        _TC + "test_end_call_spared_caller_fails_when_the_interrupted_end_call_hung_up",
    ),
    CheckSpec(
        "interrupt.flow_reached_next_node",
        "the flow reached its next node",
        ("chaos interrupt --during tool-call --bot flows",),
        "the pipecat.flows FlowManager left the node whose function the caller interrupted",
        "by the end of the call (the caller waits for calls the answer started, up to --tool-wait)",
        "flows #237: an interrupted function call froze the flow in its node for good",
        _TC + "test_flow_reached_next_node_passes_when_the_flow_moved_on",
        _TC + "test_flow_reached_next_node_fails_when_the_flow_stayed_in_its_node",
    ),
    *_call_ending("hangup", "chaos hangup"),
    CheckSpec(
        "heartbeat.no_false_alarm",
        "no heartbeat timeout in a healthy pipeline",
        ("chaos heartbeat",),
        "with enable_heartbeats, no on_heartbeat_timeout while the reference bot answers with a "
        "long reply",
        "none",
        "an alarm from a healthy pipeline trains people to ignore the one that matters",
        _CF + "test_a_short_healthy_reply_raises_no_heartbeat_timeout",
        _CF + "test_pipecat_raises_a_false_heartbeat_timeout_during_a_long_healthy_reply",
    ),
    CheckSpec(
        "heartbeat.detects_stall",
        "heartbeat timeout raised for a stuck pipeline",
        ("chaos heartbeat",),
        "on_heartbeat_timeout within heartbeats_monitor_secs (10 s) + 2 s of a processor "
        "blocking the pipeline",
        "12 s",
        "Pipecat checks every monitor period (10 s); 2 s covers the heartbeat period and timing",
        _CF + "test_a_stuck_pipeline_raises_a_heartbeat_timeout",
        _CF + "test_a_stuck_pipeline_without_heartbeats_goes_undetected",
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
    # Caller behaviour (voicectl/checks/caller_faults.py)
    CheckSpec(
        "dtmf.received",
        "the bot received the caller's keys",
        ("chaos dtmf",),
        "every key pressed (carrier dtmf event or in-band tone) reaches the bot's pipeline as a "
        "DTMF frame, in order; seen from inside the bot, an error without an inside view",
        "1.0 s per key (--within)",
        "an IVR menu must act on the key the caller pressed; over 1 s the caller presses again",
        _CF + "test_reference_bot_receives_each_carriers_dtmf_events_in_order",
        _CF + "test_a_bot_whose_serializer_drops_dtmf_fails",
    ),
    CheckSpec(
        "backchannel.not_yielded",
        "the bot kept talking through the caller's backchannels",
        ("chaos backchannel",),
        "no clear and no gap over the bound in the bot's audio in the 1.5 s after each "
        '"mm-hmm"/"oh" made while it talks; a real barge-in later in the same call still '
        "draws a clear within 1.5 s",
        "300 ms gap (--gap-bound); 1.5 s clear (--clear-within)",
        "a caller's acknowledgement is not a turn: a bot that stops at every 'mm-hmm' never "
        "finishes a sentence; 300 ms is a pause a listener notices",
        _CF
        + "test_a_bot_that_needs_0_6_s_of_speech_talks_through_backchannels_yet_stops_for_a_barge_in",
        _CF + "test_a_bot_that_stops_at_any_caller_sound_yields_to_mm_hmm",
    ),
    CheckSpec(
        "silence.reengaged",
        "the bot re-engaged a silent caller",
        ("chaos silence",),
        "after the bot's answer meets silence, it speaks again (a check-in) or ends the call "
        "within the bound, never staying silent until the carrier's timeout",
        "8.0 s (--within)",
        "a caller who hears nothing for 8 s after an answer thinks the line is dead and hangs up",
        _CF + "test_a_bot_with_a_user_idle_timeout_checks_in_on_a_silent_caller",
        _CF + "test_a_bot_that_never_re_engages_a_silent_caller_fails",
    ),
    CheckSpec(
        "media_gap.turn_ended",
        "the bot ended the caller's turn when their media stopped",
        ("chaos media-gap",),
        "caller media stops mid-utterance with the socket open; the bot's pipeline ends the "
        "caller's turn (inside view) or the bot replies (carrier side) within the bound",
        "8.0 s (--turn-within)",
        "Pipecat #4124: a VAD left 'speaking' keeps the turn open forever; 8 s is as long as a "
        "caller waits on a silent line (Pipecat 1.14 itself takes about 6 s: 1 s VAD audio "
        "idle timeout plus its 5 s user turn stop timeout)",
        _CF + "test_pipecat_ends_a_turn_cut_by_a_media_gap_and_answers_once_media_resumes",
        _CF + "test_a_bot_without_a_vad_audio_idle_timeout_never_ends_a_turn_cut_by_a_media_gap",
    ),
    CheckSpec(
        "media_gap.bot_responsive",
        "the bot answered once the caller's media resumed",
        ("chaos media-gap",),
        "after the media gap, the caller's next utterance gets bot audio within the bound",
        "6.0 s (--answer-within)",
        "a bot wedged by the gap never answers again; 6 s covers a turn decision and a slow reply",
        _CF + "test_pipecat_ends_a_turn_cut_by_a_media_gap_and_answers_once_media_resumes",
        _CU + "test_media_gap_bot_responsive_fails_a_bot_that_never_answers_again",
    ),
    CheckSpec(
        "media_gap.idle_handled",
        "the bot handled a line whose media stopped for good",
        ("chaos media-gap",),
        "with --resume-after never (no caller frames at all, the socket open), the bot speaks "
        "again (a check-in) or ends the call within the bound of its answer ending (without an "
        "answer: of the turn's end, else of the media stopping), never sitting silent until the "
        "carrier's own timeout; skip when the media resumes",
        "8.0 s (--idle-within)",
        "as silence.reengaged: a caller who hears nothing for 8 s thinks the line is dead; a dead "
        "RTP leg sends no silence frames either, so only the bot's own idle timer can notice",
        _CF
        + "test_a_bot_that_ends_the_call_at_its_idle_timeout_handles_a_line_whose_media_stopped",
        "tests/integration/test_chaos_caller_bot_cmd.py::"
        "test_the_example_bot_ends_a_turn_whose_media_stopped_for_good_but_then_sits_silent",
    ),
    *_call_ending("carrier_close", "chaos carrier-close"),
    CheckSpec(
        "slow_reader.recovered",
        "the bot answered again once the carrier read its socket again",
        ("chaos slow-reader",),
        "the carrier stops reading its socket mid-reply until its receive window closes, then "
        "reads again; after the rest of the reply, the caller's next utterance gets bot audio "
        "within the bound",
        "6.0 s (--answer-within)",
        "a pipeline wedged (or muted) by a carrier that stopped reading never answers again; "
        "6 s covers a turn decision and a slow reply, as media_gap.bot_responsive does",
        _SR + "test_pipecat_recovers_from_a_carrier_that_stops_reading_for_8_s",
        _SR + "test_a_bot_whose_audio_write_times_out_stays_mute_and_outlives_the_call",
    ),
    CheckSpec(
        "slow_reader.log_bounded",
        "the bot's log did not flood while the carrier was not reading",
        ("chaos slow-reader",),
        "warning/error lines in the bot's log (the reference bot's loguru records, a --bot-cmd "
        "bot's log file) from the carrier stopping reading to the end of the call stay within "
        "the bound; error for a bot at --url (its log is not visible)",
        "20 lines (--max-log-lines)",
        "Pipecat #5789 logged 534 'exception sending data' lines for one stalled carrier; a "
        "few lines name the problem, a line per frame buries it",
        _SR + "test_pipecat_recovers_from_a_carrier_that_stops_reading_for_8_s",
        _SR + "test_a_bot_that_logs_every_blocked_send_floods_its_log",
    ),
    CheckSpec(
        "slow_reader.cleaned_up",
        "the bot's call ended and nothing was left running",
        ("chaos slow-reader",),
        "after the caller hangs up (or, never reading again, tears the socket down) the bot's "
        "pipeline finishes within the bound with no task left (inside view; error for a bot "
        "at --url)",
        "5.0 s (--end-within)",
        "Pipecat ends a call's pipeline in well under a second once the socket goes; a "
        "pipeline still running seconds later holds its tasks and models for good",
        _SR + "test_pipecat_recovers_from_a_carrier_that_stops_reading_for_8_s",
        _SR + "test_a_bot_whose_audio_write_times_out_stays_mute_and_outlives_the_call",
    ),
    CheckSpec(
        "resample.snr",
        "signal-to-noise of the resampled signal",
        ("resample-check",),
        "SNR against an ideal resampler at every rate pair",
        "≥ 84 dB (warn ≥ 44 dB)",
        "84 dB is below 16-bit quantisation noise; 44 dB is audible only in quiet passages",
        _RM + "test_a_vhq_float_stream_passes_every_check",
        _RM + "test_gain_error_fails_snr_at_exactly_20_db_and_warns_on_passband",
    ),
    CheckSpec(
        "resample.aliasing",
        "aliasing and imaging are suppressed",
        ("resample-check",),
        "energy folded across Nyquist at every rate pair",
        "≤ -84 dB",
        "below 16-bit quantisation noise",
        _RM + "test_a_vhq_float_stream_passes_every_check",
        _RM + "test_sample_dropping_decimator_fails_aliasing_at_0_db",
    ),
    CheckSpec(
        "resample.passband",
        "the passband is flat",
        ("resample-check",),
        "gain within the speech band at every rate pair",
        "±0.5 dB",
        "a tilt larger than 0.5 dB changes how ASR and VAD models hear speech",
        _RM + "test_a_vhq_float_stream_passes_every_check",
        _RM + "test_a_tilted_response_fails_passband",
    ),
    CheckSpec(
        "resample.chunk_boundaries",
        "no artefacts at chunk boundaries",
        ("resample-check",),
        "the streamed result matches the one-shot result at 20 ms chunk boundaries",
        "≤ -80 dB",
        "a filter restarted per chunk clicks at 50 Hz, far above this",
        _RM + "test_a_vhq_float_stream_passes_every_check",
        _RM + "test_a_stream_that_restarts_its_filter_per_chunk_fails_chunk_boundaries",
    ),
    CheckSpec(
        "resample.latency",
        "the resampler holds back little audio",
        ("resample-check",),
        "mean audio held back by a streaming resampler",
        "warn above 40 ms",
        "latency is a cost, not an error: it only warns",
        _RM + "test_a_vhq_float_stream_passes_every_check",
        _RM + "test_latency_is_the_held_fifo_exactly_and_warns_past_40_ms",
        worst="warn",
    ),
    CheckSpec(
        "resample.length_exact",
        "no samples lost or gained",
        ("resample-check",),
        "output length within one sample of the exact length after flush, and no growing backlog",
        "±1 sample",
        "rounding of the rate ratio; anything more is lost or invented audio",
        _RM + "test_a_vhq_float_stream_passes_every_check",
        _RM + "test_lost_samples_fail_length_exact",
    ),
    CheckSpec(
        "resample.stream_continuity",
        "no audio lost at pauses",
        ("resample-check",),
        "samples lost per pause by Pipecat's serializer resamplers",
        "≤ 1 sample per pause",
        "rounding; Pipecat's default clear drops the whole filter history",
        "tests/unit/test_resample_continuity.py::"
        "test_continuity_checks_fail_the_serializer_default_and_pass_the_fixes",
        "tests/unit/test_resample_continuity.py::"
        "test_continuity_checks_fail_the_serializer_default_and_pass_the_fixes",
    ),
    CheckSpec(
        "rate.declared_matches_content",
        "a recording's content matches its declared rate",
        ("resample-check",),
        "pitch, voice (pitch vs harmonics), spectrum, envelope, bandwidth, G.711 and sidecar "
        "cues agree with the declared rate",
        "fails on a strong cue (G.711 levels, sidecar duration, pitch beyond 55-360 Hz) or 2 "
        "moderate cues agreeing on another rate; 1 moderate cue only warns",
        "one cue alone is fooled by unusual voices; on 238 real recordings no correctly "
        "labelled file was called mislabelled",
        "tests/unit/test_resample_diagnose_real_speech.py::"
        "test_every_correctly_labelled_female_recording_passes",
        "tests/unit/test_resample_diagnose_real_speech.py::"
        "test_real_16_khz_call_with_an_8_khz_header_fails_naming_16000",
    ),
    CheckSpec(
        "component.correct_rates_agree",
        "a component agrees with itself at correct rates",
        ("resample-check",),
        "Smart Turn / Silero decisions at 16 kHz match those at 8 kHz",
        "≤ max(1, n/10) flips and mean |Δp| ≤ 0.1",
        "the baseline spread of a rate-robust model",
        "tests/unit/test_resample_components.py::test_a_rate_robust_model_passes_every_check",
        "tests/unit/test_resample_components.py::test_correct_rates_that_disagree_fail",
    ),
    CheckSpec(
        "component.rate_mislabel",
        "a mislabelled rate changes no decision",
        ("resample-check",),
        "no more flips than the baseline when the component is told the wrong rate",
        "baseline flips, mean |Δp| ≤ baseline + 0.1",
        "measures sensitivity; every tested model is sensitive, so it warns",
        "tests/unit/test_resample_components.py::test_a_rate_robust_model_passes_every_check",
        "tests/unit/test_resample_components.py::"
        "test_a_model_that_hears_every_turn_complete_at_2x_warns_with_the_flip_count",
        worst="warn",
    ),
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

#: Every registered check, by id.
CHECKS: Mapping[str, CheckSpec] = MappingProxyType({s.id: s for s in _SPECS})
if len(CHECKS) != len(_SPECS):
    raise RuntimeError("duplicate check id in the registry")


def spec_for(check_id: str) -> CheckSpec | None:
    """The spec of ``check_id``, also when a suite scoped it as ``<scenario>/<id>``."""
    return CHECKS.get(check_id.rpartition("/")[2])


def all_specs() -> Iterator[CheckSpec]:
    """Every spec, in catalogue order."""
    return iter(_SPECS)
