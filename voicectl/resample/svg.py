"""Small, dependency-free SVG charts: line charts and a raster heat map (a PNG made with zlib).

Enough for a frequency response, a spectrum and a spectrogram; not a plotting library.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
import numpy.typing as npt

__all__ = ["PALETTE", "Chart", "Series", "heatmap_png", "png_rgb"]

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#17becf",
    "#bcbd22",
)
_WIDTH, _HEIGHT = 820, 440
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 180, 40, 52
# Dark blue -> teal -> yellow, roughly viridis.
_COLOURS = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=np.float64
)


@dataclass(frozen=True)
class Series:
    """One line: points in data units."""

    label: str
    xs: Sequence[float]
    ys: Sequence[float]
    dashed: bool = False
    markers: bool = False


@dataclass
class Chart:
    """A line chart with axes, ticks, a legend and optional reference lines."""

    title: str
    x_label: str
    y_label: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_log: bool = False
    series: list[Series] = field(default_factory=list)
    hlines: list[tuple[float, str]] = field(default_factory=list)
    vlines: list[tuple[float, str]] = field(default_factory=list)
    image: tuple[bytes, tuple[float, float, float, float]] | None = None  # PNG, data extent

    def _x(self, value: float) -> float:
        lo, hi = self.x_range
        if self.x_log:
            value, lo, hi = (math.log10(max(v, 1e-12)) for v in (value, lo, hi))
        return _LEFT + (value - lo) / (hi - lo) * (_WIDTH - _LEFT - _RIGHT)

    def _y(self, value: float) -> float:
        lo, hi = self.y_range
        clamped = min(max(value, lo), hi)
        return _HEIGHT - _BOTTOM - (clamped - lo) / (hi - lo) * (_HEIGHT - _TOP - _BOTTOM)

    def _ticks(self, lo: float, hi: float, log: bool) -> list[float]:
        if log:
            ticks = []
            for decade in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
                for m in (1, 2, 5):
                    v = m * 10.0**decade
                    if lo <= v <= hi:
                        ticks.append(v)
            return ticks
        raw = (hi - lo) / 6
        step = 10 ** math.floor(math.log10(raw))
        step *= next(m for m in (1, 2, 5, 10) if step * m >= raw)
        first = math.ceil(lo / step) * step
        return [first + i * step for i in range(int((hi - first) / step) + 1)]

    def render(self) -> str:
        """The chart as an SVG document."""
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
            f'viewBox="0 0 {_WIDTH} {_HEIGHT}" font-family="sans-serif" font-size="11">',
            f'<rect width="{_WIDTH}" height="{_HEIGHT}" fill="white"/>',
            f'<text x="{_WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{escape(self.title)}</text>',
        ]
        x0, x1 = _LEFT, _WIDTH - _RIGHT
        # Over a spectrogram, grid lines and labels must stand out from the dark colours.
        grid, ink = (
            ('stroke="#ffffff" stroke-opacity="0.2"', "#ffffff")
            if self.image is not None
            else ('stroke="#e5e5e5"', "#555")
        )
        y0, y1 = _TOP, _HEIGHT - _BOTTOM
        if self.image is not None:
            png, (ex0, ex1, ey0, ey1) = self.image
            left, right, top, bottom = self._x(ex0), self._x(ex1), self._y(ey1), self._y(ey0)
            data = base64.b64encode(png).decode("ascii")
            out.append(
                f'<image x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
                f'height="{bottom - top:.1f}" preserveAspectRatio="none" '
                f'href="data:image/png;base64,{data}"/>'
            )
        for v in self._ticks(*self.x_range, self.x_log):
            x = self._x(v)
            out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y1}" {grid}/>')
            out.append(f'<text x="{x:.1f}" y="{y1 + 16}" text-anchor="middle">{_fmt(v)}</text>')
        for v in self._ticks(*self.y_range, False):
            y = self._y(v)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" {grid}/>')
            out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(v)}</text>')
        out.append(
            f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#333"/>'
        )
        out.append(
            f'<text x="{(x0 + x1) / 2}" y="{_HEIGHT - 12}" text-anchor="middle">{escape(self.x_label)}</text>'
        )
        out.append(
            f'<text transform="translate(16 {(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">'
            f"{escape(self.y_label)}</text>"
        )
        for value, label in self.hlines:
            y = self._y(value)
            out.append(
                f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{ink}" stroke-dasharray="2 3"/>'
            )
            out.append(f'<text x="{x0 + 4}" y="{y - 3:.1f}" fill="{ink}">{escape(label)}</text>')
        for value, label in self.vlines:
            x = self._x(value)
            out.append(
                f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y1}" stroke="{ink}" stroke-dasharray="2 3"/>'
            )
            out.append(f'<text x="{x + 3:.1f}" y="{y0 + 12}" fill="{ink}">{escape(label)}</text>')
        for index, series in enumerate(self.series):
            colour = PALETTE[index % len(PALETTE)]
            points = " ".join(
                f"{self._x(x):.1f},{self._y(y):.1f}"
                for x, y in zip(series.xs, series.ys, strict=True)
                if math.isfinite(y) and self.x_range[0] <= x <= self.x_range[1]
            )
            dash = ' stroke-dasharray="5 3"' if series.dashed else ""
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.4"{dash}/>'
            )
            if series.markers:
                out += [
                    f'<circle cx="{self._x(x):.1f}" cy="{self._y(y):.1f}" r="3" fill="{colour}"/>'
                    for x, y in zip(series.xs, series.ys, strict=True)
                    if math.isfinite(y)
                ]
            ly = _TOP + 14 + 16 * index
            out.append(
                f'<line x1="{x1 + 10}" y1="{ly - 4}" x2="{x1 + 30}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash}/>'
            )
            out.append(f'<text x="{x1 + 34}" y="{ly}">{escape(series.label)}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"


def _fmt(value: float) -> str:
    if abs(value) >= 1000 and value % 1000 == 0:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def png_rgb(pixels: npt.NDArray[np.uint8]) -> bytes:
    """Encode a height x width x 3 uint8 array as a PNG."""
    height, width, _ = pixels.shape
    rows = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def heatmap_png(values: npt.NDArray[np.float64], lo: float, hi: float) -> bytes:
    """Values (rows = top to bottom) mapped from ``lo``..``hi`` onto a viridis-like palette."""
    scaled = np.clip((values - lo) / (hi - lo), 0.0, 1.0) * (len(_COLOURS) - 1)
    index = np.minimum(scaled.astype(int), len(_COLOURS) - 2)
    frac = (scaled - index)[..., None]
    rgb = _COLOURS[index] * (1 - frac) + _COLOURS[index + 1] * frac
    return png_rgb(np.rint(rgb).astype(np.uint8))
