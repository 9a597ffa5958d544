import itertools
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from teaching.charts import FONT_SIZE, Bar, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"
CHARTS = [column_chart, bar_chart]
STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "charts.css"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if name in element.get("class", "").split()]


def _bars(root: ET.Element) -> list[ET.Element]:
    return _with_class(root, "chart__bar")


def _size(rect: ET.Element, attribute: str) -> float:
    return float(rect.get(attribute))


def _days(count: int) -> list[Bar]:
    return [Bar(f"2026-11-{day:02d}", day % 7, f"{day % 7} students") for day in range(count)]


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_is_an_image_labelled_by_its_title_and_description(chart) -> None:
    root = _parse(chart([Bar("A", 1), Bar("B", 2)], title="Enrolments", chart_id="enrolments"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("focusable") == "false"
    assert root.get("width") == "100%"
    assert root.get("preserveAspectRatio")
    assert re.fullmatch(r"0 0 700 [\d.]+", root.get("viewBox"))
    labelled_by = root.get("aria-labelledby").split()
    assert labelled_by == ["enrolments-title", "enrolments-desc"]
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("enrolments-title", "Enrolments")
    assert desc.get("id") == "enrolments-desc"


def test_column_heights_are_proportional_to_values() -> None:
    values = [3, 6, 12, 0, 9]
    root = _parse(column_chart([Bar(str(v), v) for v in values], title="T", chart_id="c"))

    rects = _bars(root)
    assert len(rects) == len(values)
    tallest = _size(rects[2], "height")
    for rect, value in zip(rects, values, strict=True):
        assert _size(rect, "height") == pytest.approx(tallest * value / 12, abs=0.1)
    # All columns stand on the same baseline.
    baselines = {round(_size(r, "y") + _size(r, "height")) for r in rects}
    assert len(baselines) == 1


def test_bar_widths_are_proportional_to_values() -> None:
    values = [10, 40, 20, 5]
    root = _parse(bar_chart([Bar(str(v), v) for v in values], title="T", chart_id="b"))

    rects = _bars(root)
    assert len(rects) == len(values)
    widest = _size(rects[1], "width")
    for rect, value in zip(rects, values, strict=True):
        assert _size(rect, "width") == pytest.approx(widest * value / 40, abs=0.1)


def test_x_max_sets_the_scale_of_the_bars() -> None:
    bars = [Bar("Lesson 1", 50, "50 %"), Bar("Lesson 2", 25, "25 %")]
    to_largest = _bars(_parse(bar_chart(bars, title="T", chart_id="b")))
    to_hundred = _bars(_parse(bar_chart(bars, title="T", chart_id="b", x_max=100)))

    assert _size(to_hundred[0], "width") == pytest.approx(
        _size(to_largest[0], "width") / 2, abs=0.1
    )


def test_y_max_is_the_least_the_axis_reaches() -> None:
    root = _parse(column_chart([Bar("A", 40), Bar("B", 63)], title="T", chart_id="c", y_max=100))

    ticks = [text.text for text in _with_class(root, "chart__tick")]
    assert ticks == ["0", "20", "40", "60", "80", "100"]


@pytest.mark.parametrize(
    ("largest", "expected"),
    [
        (7, ["0", "2", "4", "6", "8"]),
        (12, ["0", "5", "10", "15"]),
        (60, ["0", "20", "40", "60"]),
        (1, ["0", "1"]),
        (0.37, ["0", "0.1", "0.2", "0.3", "0.4"]),
        (2500, ["0", "500", "1000", "1500", "2000", "2500"]),
    ],
)
def test_y_axis_ticks_are_round_and_cover_the_largest_value(largest, expected) -> None:
    root = _parse(column_chart([Bar("A", largest)], title="T", chart_id="c"))

    assert [text.text for text in _with_class(root, "chart__tick")] == expected


def test_each_bar_has_a_tooltip_with_its_label_and_text() -> None:
    bars = [Bar("Chapter 2: EC2", 12, "12 students"), Bar("Chapter 3: S3", 4.25)]
    for chart in CHARTS:
        root = _parse(chart(bars, title="T", chart_id="c"))
        tooltips = [rect.find(f"{SVG}title").text for rect in _bars(root)]
        assert tooltips == ["Chapter 2: EC2: 12 students", "Chapter 3: S3: 4.2"]


def test_value_text_follows_each_horizontal_bar() -> None:
    root = _parse(bar_chart([Bar("Started", 30, "30 students")], title="T", chart_id="b"))

    (rect,) = _bars(root)
    (value,) = _with_class(root, "chart__value")
    assert value.text == "30 students"
    assert float(value.get("x")) > _size(rect, "x") + _size(rect, "width")


@pytest.mark.parametrize("chart", CHARTS)
def test_markup_and_ampersands_in_text_are_escaped(chart) -> None:
    label = "<script>alert(1)</script> Q&A"
    svg = chart(
        [Bar(label, 3, "3 & more <b>")],
        title="Tom & <Jerry>",
        chart_id="c",
        description="Fish & <chips>",
    )

    root = _parse(svg)
    assert "<script>" not in svg
    assert not [element for element in root.iter() if element.tag in (f"{SVG}script", "script")]
    assert root.find(f"{SVG}title").text == "Tom & <Jerry>"
    assert root.find(f"{SVG}desc").text == "Fish & <chips>"
    assert _bars(root)[0].find(f"{SVG}title").text == f"{label}: 3 & more <b>"


@pytest.mark.parametrize("chart", CHARTS)
def test_control_characters_in_labels_keep_the_svg_well_formed(chart) -> None:
    root = _parse(chart([Bar("bell\x07 and \x00null", 1)], title="T\x1b", chart_id="c"))

    assert _bars(root)[0].find(f"{SVG}title").text == "bell and null: 1"


@pytest.mark.parametrize("chart", CHARTS)
def test_no_inline_styles(chart) -> None:
    bars = [*_days(60), Bar("x" * 80, 5)]
    for root in (
        _parse(chart(bars, title="T", chart_id="c")),
        _parse(chart([], title="T", chart_id="c")),
    ):
        assert [element.tag for element in root.iter() if element.tag.endswith("style")] == []
        assert [element.tag for element in root.iter() if "style" in element.attrib] == []


@pytest.mark.parametrize("chart", CHARTS)
def test_empty_data_says_no_data_yet(chart) -> None:
    root = _parse(chart([], title="Enrolments", chart_id="e"))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "e-title e-desc"
    assert root.find(f"{SVG}title").text == "Enrolments"
    assert root.find(f"{SVG}desc").text == "No data yet."
    assert [text.text for text in _with_class(root, "chart__empty")] == ["No data yet"]
    assert _bars(root) == []


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("value", [0, 5])
def test_equal_values_draw_equal_bars(chart, value) -> None:
    root = _parse(chart([Bar("A", value), Bar("B", value)], title="T", chart_id="c"))

    lengths = {(r.get("width"), r.get("height")) for r in _bars(root)}
    assert len(lengths) == 1
    assert root.find(f"{SVG}desc").text == f"All 2 values are equal: {value} each."


@pytest.mark.parametrize("chart", CHARTS)
def test_negative_and_missing_values_are_drawn_as_zero(chart) -> None:
    bars = [Bar("Lost", -4), Bar("Broken", math.nan), Bar("Kept", 2)]
    root = _parse(chart(bars, title="T", chart_id="c"))

    lost, broken, kept = _bars(root)
    length = "height" if chart is column_chart else "width"
    assert _size(lost, length) == _size(broken, length) == 0
    assert _size(kept, length) > 0
    assert lost.find(f"{SVG}title").text == "Lost: 0"


def test_sixty_columns_get_thinned_turned_labels_that_do_not_overlap() -> None:
    root = _parse(column_chart(_days(60), title="T", chart_id="c"))

    labels = _with_class(root, "chart__label")
    assert len(_bars(root)) == 60
    assert 10 <= len(labels) < 60
    assert labels[0].text == "2026-11-00"
    anchors = [float(label.get("x")) for label in labels]
    for label in labels:
        assert label.get("transform").startswith("rotate(-45 ")
    # Turned 45°, neighbouring labels are parallel lines anchors·sin 45° apart: a line each.
    for left, right in itertools.pairwise(anchors):
        assert (right - left) * math.sin(math.radians(45)) >= FONT_SIZE


def test_turned_labels_fit_inside_the_chart() -> None:
    bars = [Bar(f"Chapter {n}: a long chapter title", n) for n in range(1, 13)]
    root = _parse(column_chart(bars, title="T", chart_id="c"))

    height = float(root.get("viewBox").split()[3])
    for label in _with_class(root, "chart__label"):
        shown = label.text
        reach = len(shown) * 7 * math.sin(math.radians(45))
        assert float(label.get("x")) - reach >= 0
        assert float(label.get("y")) + reach <= height
        assert shown.endswith("…")
        assert label.find(f"{SVG}title").text.startswith(shown[:-1])


def test_few_short_labels_stay_level_and_all_shown() -> None:
    bars = [Bar(day, n) for n, day in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri"])]
    root = _parse(column_chart(bars, title="T", chart_id="c"))

    labels = _with_class(root, "chart__label")
    assert [label.text for label in labels] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert all(label.get("transform") is None for label in labels)


def test_column_values_are_written_only_when_they_fit() -> None:
    few = _parse(column_chart([Bar("A", 1, "1 student"), Bar("B", 2)], title="T", chart_id="c"))
    many = _parse(column_chart(_days(60), title="T", chart_id="c"))

    assert [text.text for text in _with_class(few, "chart__value")] == ["1 student", "2"]
    assert _with_class(many, "chart__value") == []


def test_long_bar_labels_are_truncated_with_the_full_label_in_a_title() -> None:
    full = "Chapter 7: Identity and Access Management, users, groups and roles"
    root = _parse(bar_chart([Bar(full, 3), Bar("Short", 1)], title="T", chart_id="b"))

    long_label, short_label = _with_class(root, "chart__label")
    assert long_label.text.endswith("…")
    assert len(long_label.text) < len(full)
    assert full.startswith(long_label.text[:-1])
    assert long_label.find(f"{SVG}title").text == full
    assert (short_label.text, short_label.find(f"{SVG}title")) == ("Short", None)


def test_default_description_names_the_highest_and_lowest() -> None:
    bars = [Bar("Mon", 4, "4 students"), Bar("Tue", 12, "12 students"), Bar("Wed", 1, "1 student")]
    root = _parse(bar_chart(bars, title="T", chart_id="b"))

    desc = root.find(f"{SVG}desc").text
    assert desc == "Highest: Tue (12 students). Lowest: Wed (1 student)."


def test_given_description_replaces_the_default() -> None:
    root = _parse(column_chart([Bar("A", 1)], title="T", chart_id="c", description="Mostly A."))

    assert root.find(f"{SVG}desc").text == "Mostly A."


@pytest.mark.parametrize("chart", CHARTS)
def test_output_is_deterministic_with_numbers_rounded_to_one_decimal(chart) -> None:
    bars = [Bar(f"Item {n}", n / 3) for n in range(1, 8)]
    svg = chart(bars, title="T", chart_id="c")

    assert chart(bars, title="T", chart_id="c") == svg
    root = _parse(svg)
    assert re.fullmatch(r"0 0 700 \d+(\.\d)?", root.get("viewBox"))
    for element in root.iter():
        if element is root:
            continue  # width="100%"
        for name in ("x", "y", "x1", "x2", "y1", "y2", "width", "height"):
            if name in element.attrib:
                assert re.fullmatch(r"\d+(\.\d)?", element.get(name)), element.attrib


@pytest.mark.parametrize("chart_id", ["", "two words"])
def test_chart_id_must_be_one_word(chart_id) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        column_chart([Bar("A", 1)], title="T", chart_id=chart_id)


def test_stylesheet_sets_the_font_size_the_layout_assumes() -> None:
    rule = re.search(r"^\.chart__svg \{(.*?)\}", STYLESHEET.read_text(), re.MULTILINE | re.DOTALL)

    assert f"font-size: {FONT_SIZE}px;" in rule.group(1)
