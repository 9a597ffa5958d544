"""Server-rendered SVG bar and column charts for the staff analytics pages.

Pure Python, no Django, so it can be tested alone. Each function returns one complete ``<svg>``
element as a string, ready for ``|safe`` in a template; every piece of text in it went through
:func:`html.escape`.

The charts are pictures with a text alternative, not documents: the root has ``role="img"`` and is
labelled by its ``<title>`` and ``<desc>`` (the description defaults to a sentence naming the
highest and the lowest value). The exact numbers are for the data table the template puts next to
each chart. Each bar also carries a ``<title>`` child, which browsers show as a tooltip.

The site's Content-Security-Policy forbids inline styles, so nothing here writes a ``style``
attribute or element. Colours and fonts come from classes styled in ``static/css/charts.css``;
geometry (coordinates, ``text-anchor``, ``transform``) is written as SVG attributes, so a chart
keeps its shape even without the stylesheet. The layout estimates text widths from
:data:`FONT_SIZE`, which ``charts.css`` sets on ``.chart__svg``: change both together.
The SVG's classes are elements of the ``chart`` block, the ``<figure>`` the template wraps it in.

Coordinates are in a 700-unit-wide ``viewBox`` and the SVG is ``width="100%"``, so a chart scales
with its container and keeps its proportions. Numbers are rounded to one decimal place and the
output depends only on the input, so the same data always renders the same string.
"""

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FONT_SIZE", "Bar", "bar_chart", "column_chart"]

WIDTH = 700
FONT_SIZE = 12
# A generous average advance of the sans-serif face at FONT_SIZE: overestimating a label's width
# costs a little room, underestimating it makes labels collide.
CHAR_WIDTH = 7.0
# Rotated column labels: the distance between two neighbours' baselines, measured across them.
ROTATED_LINE_GAP = FONT_SIZE * 1.25
ROTATED_MAX_CHARS = 16
BAR_LABEL_MAX_CHARS = 28
MAX_INTERVALS = 5
PLOT_HEIGHT = 220
ROW_HEIGHT = 28
BAR_THICKNESS = 18
NO_DATA = "No data yet"

_SIN_45 = math.sqrt(0.5)
# Characters XML 1.0 does not allow at all; html.escape leaves them, and one would make the whole
# chart unparseable.
_XML_INVALID = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


@dataclass(frozen=True)
class Bar:
    """One category and its value.

    ``text`` is the value in words ("12 students", "63 %"), shown at the end of the bar and in
    its tooltip; left empty, the chart shows the value itself ("12", "12.5").
    """

    label: str
    value: float
    text: str = ""


def column_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    y_max: float | None = None,
    y_label: str = "",
    description: str = "",
) -> str:
    """Vertical columns (histograms, enrolments per day) on a y axis of 4 to 6 round ticks.

    Counts below 4 get fewer ticks, never fractional ones. ``y_max`` is the least the axis
    reaches (100 for percentages); the axis always covers the largest value and ends on a round
    tick. Category labels sit under the columns: level when they fit, else turned 45 degrees,
    truncated and thinned to every n-th so that none overlap (60 daily columns stay legible).
    Values are written above the columns only when every one fits its column's width;
    otherwise they are in the tooltips (and the data table).
    """
    _check_id(chart_id)
    if not bars:
        return _empty(title=title, chart_id=chart_id, description=description)
    values = [_clamp(bar.value) for bar in bars]
    texts = [_text(bar) for bar in bars]
    integral = all(value.is_integer() for value in values) and (
        y_max is None or float(y_max).is_integer()
    )
    ticks = _ticks(max([*values, _clamp(y_max or 0)]), integral=integral)
    top = ticks[-1]
    tick_labels = [_format_value(tick) for tick in ticks]

    count = len(bars)
    left = 8 + (FONT_SIZE * 1.5 if y_label else 0) + _text_width(max(tick_labels, key=len)) + 8
    # Columns are placed before the labels are known to fit, so a first pass fixes the slot width.
    slot = (WIDTH - left - 8) / count
    level = all(_text_width(bar.label) <= slot - 4 for bar in bars)
    if level:
        shown_labels = [bar.label for bar in bars]
        every = 1
        bottom = FONT_SIZE * 2.5
    else:
        shown_labels = [_truncate(bar.label, ROTATED_MAX_CHARS) for bar in bars]
        every = math.ceil(ROTATED_LINE_GAP / _SIN_45 / slot)
        # A turned label hangs down and to the left of its anchor by its length (and its glyphs'
        # height) times sin 45°: room below the axis, and on the left for the first one.
        reach = (_text_width(max(shown_labels, key=len)) + FONT_SIZE) * _SIN_45
        bottom = 8 + reach + 8
        left = max(left, reach)
        slot = (WIDTH - left - 8) / count
    gap = min(slot * 0.2, 8.0)
    show_values = all(_text_width(text) <= slot - 4 for text in texts)
    top_margin = FONT_SIZE * 2 if show_values else FONT_SIZE
    base = top_margin + PLOT_HEIGHT
    height = base + bottom

    parts = []
    for tick, tick_label in zip(ticks, tick_labels, strict=True):
        y = base - PLOT_HEIGHT * tick / top
        parts.append(_element("line", class_="chart__grid", x1=left, x2=WIDTH - 8, y1=y, y2=y))
        parts.append(
            _element(
                "text",
                _escape(tick_label),
                class_="chart__tick",
                x=left - 6,
                y=y,
                dy="0.35em",
                text_anchor="end",
            )
        )
    if y_label:
        middle = top_margin + PLOT_HEIGHT / 2
        parts.append(
            _element(
                "text",
                _escape(y_label),
                class_="chart__axis-label",
                x=FONT_SIZE,
                y=middle,
                text_anchor="middle",
                transform=f"rotate(-90 {_num(FONT_SIZE)} {_num(middle)})",
            )
        )
    for index, (bar, value, text) in enumerate(zip(bars, values, texts, strict=True)):
        x = left + index * slot
        centre = x + slot / 2
        bar_height = PLOT_HEIGHT * value / top
        parts.append(
            _element(
                "rect",
                _element("title", _escape(f"{bar.label}: {text}")),
                class_="chart__bar",
                x=x + gap / 2,
                y=base - bar_height,
                width=slot - gap,
                height=bar_height,
            )
        )
        if show_values:
            parts.append(
                _element(
                    "text",
                    _escape(text),
                    class_="chart__value",
                    x=centre,
                    y=base - bar_height - 4,
                    text_anchor="middle",
                )
            )
        if index % every:
            continue
        label = _label(shown_labels[index], bar.label)
        if level:
            parts.append(
                _element(
                    "text",
                    label,
                    class_="chart__label",
                    x=centre,
                    y=base + FONT_SIZE * 1.5,
                    text_anchor="middle",
                )
            )
        else:
            y = base + FONT_SIZE
            parts.append(
                _element(
                    "text",
                    label,
                    class_="chart__label",
                    x=centre,
                    y=y,
                    text_anchor="end",
                    transform=f"rotate(-45 {_num(centre)} {_num(y)})",
                )
            )
    parts.append(_element("line", class_="chart__axis", x1=left, x2=WIDTH - 8, y1=base, y2=base))
    return _svg(
        "".join(parts),
        kind="column",
        height=height,
        title=title,
        chart_id=chart_id,
        description=description or _describe(bars, values, texts),
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    chart_id: str,
    x_max: float | None = None,
    description: str = "",
) -> str:
    """Horizontal bars (funnels, completion rates, where students stop, choice counts).

    Labels are on the left, truncated with "…" past 28 characters (the full label in a
    ``<title>`` child), and each bar's text follows its end. Bar lengths are proportional to the
    values on a scale from 0 to ``x_max`` (100 for percentages), or to the largest value when
    that is larger or ``x_max`` is not given.
    """
    _check_id(chart_id)
    if not bars:
        return _empty(title=title, chart_id=chart_id, description=description)
    values = [_clamp(bar.value) for bar in bars]
    texts = [_text(bar) for bar in bars]
    top = max([*values, _clamp(x_max or 0)]) or 1.0
    shown_labels = [_truncate(bar.label, BAR_LABEL_MAX_CHARS) for bar in bars]
    left = 8 + _text_width(max(shown_labels, key=len)) + 8
    right = 6 + _text_width(max(texts, key=len)) + 8
    plot_width = WIDTH - left - right

    parts = []
    for index, (bar, value, text) in enumerate(zip(bars, values, texts, strict=True)):
        y = 8 + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        bar_width = plot_width * value / top
        parts.append(
            _element(
                "text",
                _label(shown_labels[index], bar.label),
                class_="chart__label",
                x=left - 8,
                y=middle,
                dy="0.35em",
                text_anchor="end",
            )
        )
        parts.append(
            _element(
                "rect",
                _element("title", _escape(f"{bar.label}: {text}")),
                class_="chart__bar",
                x=left,
                y=middle - BAR_THICKNESS / 2,
                width=bar_width,
                height=BAR_THICKNESS,
            )
        )
        parts.append(
            _element(
                "text",
                _escape(text),
                class_="chart__value",
                x=left + bar_width + 6,
                y=middle,
                dy="0.35em",
            )
        )
    bottom = 8 + len(bars) * ROW_HEIGHT
    parts.append(_element("line", class_="chart__axis", x1=left, x2=left, y1=4, y2=bottom + 4))
    return _svg(
        "".join(parts),
        kind="bar",
        height=bottom + 8,
        title=title,
        chart_id=chart_id,
        description=description or _describe(bars, values, texts),
    )


def _check_id(chart_id: str) -> None:
    # aria-labelledby is a space-separated list of ids: a space in one would break the labels.
    if not chart_id or any(char.isspace() for char in chart_id):
        raise ValueError(f"chart_id must be a non-empty id without spaces, not {chart_id!r}")


def _empty(*, title: str, chart_id: str, description: str) -> str:
    content = _element(
        "text",
        _escape(NO_DATA),
        class_="chart__empty",
        x=WIDTH / 2,
        y=30,
        dy="0.35em",
        text_anchor="middle",
    )
    return _svg(
        content,
        kind="empty",
        height=60,
        title=title,
        chart_id=chart_id,
        description=description or f"{NO_DATA}.",
    )


def _svg(
    content: str, *, kind: str, height: float, title: str, chart_id: str, description: str
) -> str:
    return _element(
        "svg",
        _element("title", _escape(title), id=f"{chart_id}-title")
        + _element("desc", _escape(description), id=f"{chart_id}-desc")
        + content,
        xmlns="http://www.w3.org/2000/svg",
        class_=f"chart__svg chart__svg--{kind}",
        viewBox=f"0 0 {WIDTH} {_num(height)}",
        width="100%",
        preserveAspectRatio="xMidYMid meet",
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        focusable="false",
    )


def _element(name: str, content: str = "", /, **attributes: str | float) -> str:
    """``<name a="…">content</name>``; ``content`` is markup, so callers escape text first.

    Attribute names are Python-safe spellings: ``class_`` is ``class``, ``text_anchor`` is
    ``text-anchor``. Numbers are rounded to one decimal place, strings escaped.
    """
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="'
        f'{_num(value) if isinstance(value, int | float) else _escape(value)}"'
        for key, value in attributes.items()
    )
    return f"<{name}{rendered}>{content}</{name}>"


def _label(shown: str, full: str) -> str:
    """A label's text, with the full label as a tooltip when it was truncated."""
    if shown == full:
        return _escape(shown)
    return _escape(shown) + _element("title", _escape(full))


def _escape(text: str) -> str:
    return html.escape(text.translate(_XML_INVALID))


def _clamp(value: float) -> float:
    # Negative (or NaN, or infinite) lengths have no bar to draw.
    value = float(value)
    return value if math.isfinite(value) and value > 0 else 0.0


def _text(bar: Bar) -> str:
    return bar.text or _format_value(_clamp(bar.value))


def _format_value(value: float) -> str:
    """12 -> "12", 12.25 -> "12.3", 0.05 -> "0.05" (small ticks keep their digits)."""
    if value and abs(value) < 1:
        return f"{value:.10f}".rstrip("0").rstrip(".")
    return _num(value)


def _num(value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _truncate(label: str, max_chars: int) -> str:
    if len(label) <= max_chars:
        return label
    return label[: max_chars - 1].rstrip() + "…"


def _ticks(largest: float, *, integral: bool) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to at least ``largest``.

    Takes the smallest step that needs at most five intervals, which gives three to five. Counts
    never get fractional steps ("0.5 students").
    """
    largest = largest or 1.0
    exponent = math.floor(math.log10(largest / MAX_INTERVALS))
    for power in (exponent, exponent + 1):
        for multiple in (1, 2, 5):
            step = multiple * 10.0**power
            if integral and step < 1:
                continue
            # The tolerance keeps 100 / 20 from counting as a hair over 5 intervals.
            intervals = math.ceil(largest / step - 1e-9)
            if intervals <= MAX_INTERVALS:
                return [round(index * step, 10) for index in range(intervals + 1)]
    return [0.0, 1.0]  # unreachable: a step of 10**(exponent + 1) always fits


def _describe(bars: Sequence[Bar], values: list[float], texts: list[str]) -> str:
    """The default ``<desc>``: which category is highest and which lowest."""
    if len(bars) == 1:
        return f"{bars[0].label}: {texts[0]}."
    if min(values) == max(values):
        return f"All {len(bars)} values are equal: {texts[0]} each."
    highest = values.index(max(values))
    lowest = values.index(min(values))
    return (
        f"Highest: {bars[highest].label} ({texts[highest]}). "
        f"Lowest: {bars[lowest].label} ({texts[lowest]})."
    )
