"""SVG charts and PNG rasters are well formed, and the plots land where asked."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

from voicectl.audio.io import Audio
from voicectl.errors import InputError
from voicectl.resample.diagnose import diagnose_rate
from voicectl.resample.matrix import MatrixPlan
from voicectl.resample.plots import plot_diagnosis, plot_matrix, response_db
from voicectl.resample.resamplers import available_resamplers, parse_resamplers
from voicectl.resample.svg import Chart, Series, heatmap_png, png_rgb
from voicectl.resample.synthetic import speech_like

SVG = "{http://www.w3.org/2000/svg}"


def test_png_round_trips_through_zlib_with_valid_chunks() -> None:
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    png = png_rgb(pixels)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (3, 2)
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    raw = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert raw == b"\x00" + pixels[0].tobytes() + b"\x00" + pixels[1].tobytes()
    crc = struct.unpack(">I", png[idat + 4 + length : idat + 8 + length])[0]
    assert crc == zlib.crc32(png[idat : idat + 4 + length])


def test_heatmap_maps_low_to_dark_and_high_to_bright() -> None:
    png = heatmap_png(np.array([[0.0, 10.0]]), 0.0, 10.0)
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4 : idat])[0]
    row = zlib.decompress(png[idat + 4 : idat + 4 + length])
    assert tuple(row[1:4]) == (68, 1, 84) and tuple(row[4:7]) == (253, 231, 37)


def test_chart_is_valid_svg_with_one_polyline_per_series_and_escaped_text() -> None:
    chart = Chart(
        "a <title>",
        "x",
        "y",
        (0.0, 10.0),
        (-1.0, 1.0),
        series=[
            Series("one", [0, 5, 10], [0, 1, -1]),
            Series("two & more", [0, 10], [0.5, 0.5], markers=True),
        ],
        hlines=[(0.0, "zero")],
    )
    root = ET.fromstring(chart.render())
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "a <title>" in texts and "two & more" in texts


def test_response_of_vhq_is_flat_in_band_and_deep_above_nyquist() -> None:
    vhq = parse_resamplers("soxr-vhq", available_resamplers())[0]
    freqs, level = response_db(vhq, 8000, 16000)
    passband = level[(freqs > 200) & (freqs < 3400)]
    assert abs(float(np.median(passband))) < 0.5
    assert float(np.max(level[freqs > 4500])) < -100


def test_plot_matrix_writes_one_svg_per_pair(tmp_path: Path) -> None:
    plan = MatrixPlan(parse_resamplers("soxr-vhq,soxr-qq", available_resamplers()), (8000, 16000))
    paths = plot_matrix(plan, tmp_path / "plots")
    assert sorted(p.name for p in paths) == ["response_16000_8000.svg", "response_8000_16000.svg"]
    root = ET.parse(paths[0]).getroot()
    assert len(root.findall(f"{SVG}polyline")) == 2


def test_plot_diagnosis_writes_a_spectrogram_with_an_embedded_png(tmp_path: Path) -> None:
    audio = Audio(speech_like(16000, 4, f0=120), 16000, str(tmp_path / "talk.wav"), "pcm16")
    paths = plot_diagnosis(diagnose_rate(audio), audio, tmp_path)
    assert [p.name for p in paths] == ["talk_spectrogram.svg", "talk_spectrum.svg"]
    image = ET.parse(paths[0]).getroot().find(f"{SVG}image")
    assert image is not None and image.get("href", "").startswith("data:image/png;base64,")


def test_an_unwritable_plot_directory_is_an_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    plan = MatrixPlan(parse_resamplers("soxr-vhq", available_resamplers()), (8000, 16000))
    with pytest.raises(InputError, match="cannot write"):
        plot_matrix(plan, blocker / "sub")
