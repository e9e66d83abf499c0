"""Charts a reader can read: value labels clear of bars and whiskers, notes where no line runs,
names that do not pile up, and a split diagram that fits a phone. Checked on the figure dicts."""

from __future__ import annotations

import math

import pytest

from advisor.presentation import chart_labels, charts
from placement import advise, parse_profile, presets


def advice_of(preset: str, **changes) -> dict:
    return advise(parse_profile({**presets.PRESETS[preset].profile, **changes})).to_dict()


# --- cost bars -------------------------------------------------------------------------------


def simulated_nerves_only(advice: dict) -> dict:
    """A simulation that priced the Nerves candidates only: every other bar is hatched."""
    bands = {
        placement: {"cost": {"p10": cost["total"] * 0.8, "p50": cost["total"], "p90": cost["total"] * 1.3}}
        for placement, cost in advice["costs"]["nerves"].items()
        if cost["total"] is not None
    }
    return {"paths": 200, "placements": {"nerves": bands}}


def test_every_cost_bar_has_its_amount_in_ink_beyond_the_bar_and_its_whisker():
    advice = advice_of("agent_orchestrator")
    figure = charts.cost_bars(advice, simulated_nerves_only(advice)).data
    labels = {(a["yref"], a["y"]): a for a in figure["layout"]["annotations"] if a["text"].startswith("$")}
    hatched = 0
    for trace in figure["data"]:
        # No text inside a bar: Plotly colours it for the bar's colour, not the hatching drawn.
        assert not trace.get("text")
        shapes = trace["marker"]["pattern"]["shape"]
        plus = trace["error_x"]["array"]
        for row, (name, value) in enumerate(zip(trace["y"], trace["x"])):
            label = labels[(trace["yaxis"], name)]
            end = value + (plus[row] or 0)
            assert label["x"] >= end and label["xanchor"] == "left" and label["showarrow"] is False
            assert label["font"]["color"] == charts.INK and label["text"].startswith(f"${value:,.2f}")
            hatched += shapes[row] == "/"
    assert hatched >= 3  # the Brain and Memory bars were not simulated


def test_a_bar_that_was_not_simulated_draws_no_whisker():
    advice = advice_of("agent_orchestrator")
    figure = charts.cost_bars(advice, simulated_nerves_only(advice)).data
    brain = figure["data"][0]
    assert brain["error_x"]["array"] == [None] * len(brain["y"])


# --- break-even --------------------------------------------------------------------------------


def corner_of(figure: dict, words: str) -> tuple[float, str, str]:
    """Where a marker line's label is: the line's x, the side of it and the top or bottom."""
    note = next(a for a in figure["layout"]["annotations"] if words in a["text"])
    return 10 ** note["x"], "right" if note["xanchor"] == "left" else "left", note["yanchor"]


def cost_points(figure: dict) -> list[tuple[float, float]]:
    return [
        (x, y)
        for trace in figure["data"]
        if trace.get("mode") == "lines" and trace.get("line", {}).get("width")
        for x, y in zip(trace["x"], trace["y"])
        if y is not None
    ]


@pytest.mark.parametrize("preset", ["rag_chatbot", "agent_orchestrator"])  # left, then right of the crossing
def test_no_cost_line_runs_through_the_corner_that_holds_the_break_even_label(preset):
    advice = advice_of(preset)
    figure = charts.break_even_chart(advice).data
    crossing, side, at = corner_of(figure, "break-even")
    points = cost_points(figure)
    logs = [math.log10(y) for _, y in points]
    low, high = min(logs), max(logs)
    # The label is about a tenth of the plot's height, against the top or the bottom.
    band = (low, low + 0.12 * (high - low)) if at == "bottom" else (high - 0.12 * (high - low), high)
    beside = [(x, y) for x, y in points if (x > crossing if side == "right" else x < crossing)]
    assert beside and not [p for p in beside if band[0] <= math.log10(p[1]) <= band[1]], (side, at)


@pytest.mark.parametrize("preset", ["rag_chatbot", "agent_orchestrator"])
def test_this_workloads_label_takes_the_other_empty_corner(preset):
    figure = charts.break_even_chart(advice_of(preset)).data
    crossing, side, at = corner_of(figure, "break-even")
    here, here_side, here_at = corner_of(figure, "this workload")
    assert here_at != at
    # On the far side of its own line from the crossing, so the two labels never meet.
    assert here_side == ("left" if here < crossing else "right")


# --- decision map ------------------------------------------------------------------------------

CROWD = [  # the demo portfolio: two GPU workloads side by side, a long name at the left edge
    ("Purchase approval agent (waits for a human)", 0.0045, 0.95, "step_functions"),
    ("Support ticket bot", 0.014, 0.85, "lambda"),
    ("Search reranker", 0.085, 0.9, "lambda"),
    ("Compliance check on S3 upload", 0.12, 0.7, "lambda"),
    ("Agent fleet on an idle GPU cluster", 0.26, 0.9, "step_functions_express"),
    ("Contract analysis", 0.27, 0.3, "fargate"),
    ("Self-hosted 7B model loaded per invocation", 0.24, 0.1, "ecs_ec2"),
    ("GPU document agent", 0.46, 0.05, "lambda"),
    ("Document analysis on GPUs", 0.6, 0.05, "lambda"),
    ("Internal tool with a quantised 1B model", 0.0075, 0.1, "lambda"),
]


def drawn_labels(figure: dict, width: float, height: float) -> list[chart_labels.Box]:
    """The box of every label the map shows, in pixels of a plot of that size."""
    (x0, x1), (y0, y1) = figure["layout"]["xaxis"]["range"], figure["layout"]["yaxis"]["range"]
    boxes = []
    for trace in figure["data"]:
        positions = trace["textposition"]  # one for the trace, or one a point
        positions = positions if isinstance(positions, list) else [positions] * len(trace["x"])
        for x, y, text, position in zip(trace["x"], trace["y"], trace["text"], positions):
            if text:
                across, up = (math.log10(x) - x0) / (x1 - x0) * width, (y - y0) / (y1 - y0) * height
                boxes.append(
                    chart_labels.label_box(
                        across, up, text, position, font_px=charts.MAP_FONT_PX, marker_px=charts.MAP_MARKER_PX
                    )
                )
    return boxes


def test_no_two_decision_map_labels_overlap_and_none_leaves_the_plot():
    figure = charts.decision_map(
        [{"name": n, "utilization": u, "wait_fraction": w, "nerves": p} for n, u, w, p in CROWD]
    ).data
    for width, height in ((620, 280), (1000, 300)):  # a laptop's portfolio page and a wide one
        boxes = drawn_labels(figure, width, height)
        assert len(boxes) >= len(CROWD) - 2
        assert all(box.inside(width, height) for box in boxes)
        assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]


def test_a_name_left_off_or_shortened_on_the_map_is_still_whole_in_its_hover():
    figure = charts.decision_map(
        [{"name": n, "utilization": u, "wait_fraction": w, "nerves": p} for n, u, w, p in CROWD]
    ).data
    hovered = sorted(name for trace in figure["data"] for name in trace["customdata"])
    assert hovered == sorted(n for n, *_ in CROWD)
    assert all("%{customdata}" in trace["hovertemplate"] for trace in figure["data"])


def test_a_label_with_no_free_place_is_shortened_before_it_is_left_out():
    # Two points a marker apart on the floor of a short plot: the second name fits only cut short.
    chosen = chart_labels.label_positions(
        [(0.45, 0.05), (0.55, 0.05)],
        ["Support bot", "Document analysis on GPUs"],
        frames=[(300, 120)],
        font_px=11,
        marker_px=12,
    )
    assert chosen[0] and chosen[1] and chosen[1][1].endswith(chart_labels.ELLIPSIS)


def test_a_map_drawn_narrower_than_its_labels_were_placed_for_shows_markers_only():
    figure = charts.decision_map(
        [{"name": n, "utilization": u, "wait_fraction": w, "nerves": p} for n, u, w, p in CROWD]
    ).data
    narrowest_plot = min(width for width, _ in charts.MAP_FRAMES)
    # static/advisor/charts.js drops the names below this figure width; the hover keeps them.
    assert figure["layout"]["meta"]["labelsFromPx"] >= narrowest_plot


# --- the split -------------------------------------------------------------------------------------

PHONE_PLOT_PX = 300  # a 375 px wide phone's card, less its padding and the figure's margins


@pytest.mark.parametrize("preset", ["agent_orchestrator", "batch_document_analysis", "one_off_backfill"])
def test_the_split_boxes_sit_side_by_side_within_a_phones_width_and_hold_their_lines(preset):
    figure = charts.split_diagram(advice_of(preset)).figure
    assert all(shape.xsizemode == "pixel" for shape in figure.layout.shapes)  # the same width everywhere
    boxes = [
        chart_labels.Box(
            shape.xanchor * PHONE_PLOT_PX + shape.x0,
            shape.y0,
            shape.xanchor * PHONE_PLOT_PX + shape.x1,
            shape.y1,
        )
        for shape in figure.layout.shapes
    ]
    assert all(0 <= box.left and box.right <= PHONE_PLOT_PX for box in boxes)
    assert not [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a.left < b.right and b.left < a.right and a.bottom < b.top and b.bottom < a.top
    ]
    widest = max(len(line) for note in figure.layout.annotations for line in (note.text or "").split("<br>"))
    assert chart_labels.text_size("x" * widest, 12)[0] * 0.95 <= charts.SPLIT_BOX_PX - 8
