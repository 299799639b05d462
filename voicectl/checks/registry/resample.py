"""Checks of resamplers, a recording's declared rate and a component's rate robustness."""

from __future__ import annotations

from voicectl.checks.registry.spec import CheckSpec

__all__ = ["SPECS"]

_RM = "tests/unit/test_resample_matrix.py::"


SPECS: tuple[CheckSpec, ...] = (
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
)
