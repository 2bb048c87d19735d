"""Server-side SVG charts (pygal). No JavaScript and no external references, so the same SVG
works in a page (as an image) and in a PDF (as a data: URL)."""
from __future__ import annotations

import base64
import re
from decimal import Decimal

import pygal
from pygal.style import Style

from lms.core.numbers import money, percent_text


def _percent(value: float) -> str:
    """A chart's value as every page writes a share, in the reader's language ("12,5 %", "12.5 %")."""
    return percent_text(value)


_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_STYLE = Style(background="white", plot_background="white", font_family="DejaVu Sans, Arial, sans-serif",
               colors=("#9ec5fe", "#0d6efd", "#dc3545"), label_font_size=11, major_label_font_size=11,
               legend_font_size=12, title_font_size=14, value_font_size=10)


def share_bars(title: str, labels: list[str], planned: list[Decimal | None], delivered: list[Decimal | None],
               targets: list[Decimal], names: tuple[str, str, str]) -> bytes:
    """Bars of planned and delivered shares per label, with the target as a line."""
    chart = pygal.Bar(style=_STYLE, width=900, height=360, js=[], disable_xml_declaration=False,
                      x_label_rotation=-30 if len(labels) > 8 else 0, range=(0, 100), include_x_axis=True,
                      legend_at_bottom=True, print_values=False, truncate_label=18, show_y_guides=True,
                      value_formatter=_percent)
    chart.title = title
    chart.x_labels = labels
    chart.add(names[0], [float(v) if v is not None else None for v in planned])
    chart.add(names[1], [float(v) if v is not None else None for v in delivered])
    chart.add(names[2], [float(v) for v in targets], stroke=True, show_dots=False, secondary=False,
              formatter=_percent)
    # pygal embeds its interactive configuration as a script even without its JS files; these
    # charts are static, so it goes.
    return _SCRIPT.sub(b"", chart.render())


def share_lines(title: str, labels: list[str], series: list[tuple[str, list[Decimal | None]]],
                target: tuple[str, list[Decimal | None]]) -> bytes:
    """Shares over time (0–100 %), one line per series, the target as a dashed line."""
    chart = pygal.Line(style=_STYLE, width=900, height=340, js=[], disable_xml_declaration=False, range=(0, 100),
                       include_x_axis=True, legend_at_bottom=True, show_y_guides=True, allow_interruptions=True,
                       x_label_rotation=-30 if len(labels) > 8 else 0, truncate_label=12,
                       value_formatter=_percent)
    chart.title = title
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, [float(v) if v is not None else None for v in values])
    chart.add(target[0], [float(v) if v is not None else None for v in target[1]], show_dots=False,
              stroke_style={"dasharray": "6, 4", "width": 2})
    return _SCRIPT.sub(b"", chart.render())


def trend_bars(labels: list[str], values: list, *, percent: bool = True, width: int = 420, height: int = 170) -> bytes:
    """A small bar chart of one figure over time (a dashboard card's trend); shares are 0–100 %."""
    fmt = _percent if percent else (lambda v: money(round(v)))
    chart = pygal.Bar(style=_STYLE, width=width, height=height, js=[], disable_xml_declaration=False,
                      show_legend=False, include_x_axis=True, show_y_guides=True, margin=4,
                      range=(0, 100) if percent else None, value_formatter=fmt, truncate_label=10)
    chart.x_labels = labels
    chart.add("", [float(v) if v is not None else None for v in values])
    return _SCRIPT.sub(b"", chart.render())


def data_url(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
