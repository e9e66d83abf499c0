"""Plotly figures built from stored engine results (advice and simulation JSON).

Every builder takes the plain dicts an Assessment or a SimulationRun stores and
returns a ``Chart``: the figure plus the title and caption a reader needs. The
same figures are drawn in the browser (plotly.js, data passed as JSON) and
exported as SVG into the PDF report, so a figure never depends on the page.

Plotly reads a subset of HTML (links, bold, line breaks) in every text it draws,
so any text that comes from data (a workload's name, a placement's label) enters
a figure through ``plain``; titles and captions are rendered by the templates,
which escape them already.
"""

from __future__ import annotations

import html
import json
import math
import textwrap
from dataclasses import dataclass
from typing import Any, cast

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from advisor.presentation import chart_labels
from placement.placements import LAYER_NAMES, LAYERS, label
from placement.rules import load_matrix
from placement.wording import layer_label, plural

# One colour per placement family, so a placement looks the same on every chart.
FAMILY_COLOURS = {
    "serverless": "#d97706",  # Lambda, Step Functions
    "containers": "#2563eb",  # Fargate, ECS, EKS, EC2
    "managed_ml": "#7c3aed",  # SageMaker, Bedrock, hosted APIs
    "data": "#059669",  # caches, vector stores, tables
    "owned": "#475569",  # on premises
    "none": "#9ca3af",
}
FAMILY_OF = {
    "lambda": "serverless",
    "lambda_durable": "serverless",
    "step_functions": "serverless",
    "step_functions_express": "serverless",
    "fargate": "containers",
    "ecs_ec2": "containers",
    "eks": "containers",
    "ec2": "containers",
    "ec2_gpu": "containers",
    "sagemaker_realtime": "managed_ml",
    "sagemaker_serverless": "managed_ml",
    "sagemaker_async": "managed_ml",
    "bedrock": "managed_ml",
    "hosted_api": "managed_ml",
    "bedrock_batch": "managed_ml",
    "elasticache": "data",
    "opensearch_serverless": "data",
    "dynamodb": "data",
    "aurora_pgvector": "data",
    "s3_vectors": "data",
    "on_prem": "owned",
    "none": "none",
}
# The plotly.js the pages load and kaleido exports with (fetched by scripts/fetch_static.py).
PLOTLY_JS = "vendor/plotly/plotly-basic-4.1.1.min.js"
FONT = "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', sans-serif"
INK, MUTED, GRID = "#1f2933", "#6b7280", "#e5e7eb"


@dataclass(frozen=True)
class Chart:
    """A figure with the words around it; ``key`` is stable and names the chart in HTML ids."""

    key: str
    title: str
    caption: str
    figure: go.Figure

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"

    @property
    def data(self) -> dict[str, Any]:
        """The figure as plain JSON data for plotly.js (NumPy arrays become lists)."""
        return json.loads(self.figure.to_json(validate=False))

    def drawn(self) -> ChartData:
        """The chart with its figure serialised: what a page needs, cheap to cache."""
        return ChartData(self.key, self.title, self.caption, self.data)


@dataclass(frozen=True)
class ChartData:
    """A chart ready for partials/chart.html; building figures is slow, so pages cache these."""

    key: str
    title: str
    caption: str
    data: dict[str, Any]

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"


# Shades within a family where two placements of one family can meet on one chart.
SHADES = {
    "lambda_durable": "#92400e",
    "step_functions": "#b45309",
    "step_functions_express": "#f59e0b",
    "ecs_ec2": "#1e40af",
    "eks": "#60a5fa",
    "ec2": "#1e3a8a",
    "ec2_gpu": "#3b82f6",
    "sagemaker_serverless": "#a78bfa",
    "sagemaker_async": "#5b21b6",
    "hosted_api": "#c084fc",
}
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "hexagon", "triangle-down")


def colour(placement: str) -> str:
    return SHADES.get(placement) or FAMILY_COLOURS[FAMILY_OF.get(placement, "none")]


def plain(text: Any) -> str:
    """Data as Plotly should show it: literally, never as markup.

    In text, hover text, tick labels, legend names and annotations Plotly turns
    ``<a href=...>`` into a live link; it decodes entities without reading them
    as tags, so an escaped name shows exactly as typed, ``<`` included.
    """
    return html.escape(str(text), quote=False)


def shown(placement: str) -> str:
    """A placement's label as a figure draws it (labels come from stored results)."""
    return plain(label(placement))


def styled(figure: go.Figure, *, height: int = 320, **layout: Any) -> go.Figure:
    """The house style: quiet grid, readable fonts, legend above the plot."""
    figure.update_layout(
        template="none",
        height=height,
        margin={"l": 64, "r": 24, "t": 16, "b": 48},
        font={"family": FONT, "size": 13, "color": INK},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
        **layout,
    )
    # Without plotly.py's default template, margins no longer grow to fit labels unless asked.
    figure.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    figure.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID, automargin=True)
    return figure


def marker_line(
    figure: go.Figure,
    x: float,
    words: str,
    *,
    log_x: bool = False,
    dash: str = "dash",
    at: str = "top",
    side: str = "right",
) -> None:
    """A vertical line with its label beside it (``side``), at the top or bottom of the plot.

    Plotly places annotations on a log axis by log10 of the value (shapes take the
    value itself), so the label is added by hand rather than through add_vline.
    """
    figure.add_vline(x=x, line={"dash": dash, "color": MUTED if dash != "solid" else INK, "width": 1})
    figure.add_annotation(
        x=math.log10(x) if log_x else x,
        y=0.02 if at == "bottom" else 0.98,
        yref="paper",
        yanchor="bottom" if at == "bottom" else "top",
        xanchor="left" if side == "right" else "right",
        xshift=4 if side == "right" else -4,
        text=words,
        showarrow=False,
        font={"size": 11, "color": MUTED},
    )


# --- team portfolio ----------------------------------------------------------


def decision_map(points: list[dict[str, Any]]) -> Chart:
    """Each workload at (utilisation, wait fraction), coloured by where its Nerves run.

    ``points``: dicts with name, utilization (0..1), wait_fraction (0..1) and
    nerves (a placement id). The lines are the matrix's own thresholds, read
    from matrix.yaml so the map moves when the rules do.
    """
    constants = load_matrix().constants
    figure = go.Figure()
    # Start a little left of the least busy workload (and of the 15% line), not at 0.01%.
    lowest = min(
        [p["utilization"] for p in points if p["utilization"] > 0] + [constants["utilization_threshold"]]
    )
    x_range = [math.log10(max(lowest / 2, 1e-4)), 0.05]
    rules = (
        (constants["utilization_threshold"], "15% rule"),
        (constants["repatriation_threshold"], "40%: look at owning"),
    )
    wait_rule = (constants["wait_threshold"], "60% waiting")
    labels = _map_labels(points, x_range, rules, wait_rule)
    placements = sorted({p["nerves"] for p in points}, key=lambda p: label(p))
    for index, placement in enumerate(placements):
        group = [i for i, p in enumerate(points) if p["nerves"] == placement]
        placed = [labels[i] for i in group]
        figure.add_trace(
            go.Scatter(
                x=[max(points[i]["utilization"], 1e-4) for i in group],
                y=[points[i]["wait_fraction"] for i in group],
                mode="markers+text",
                name=f"Nerves on {shown(placement)}",
                # A label with no free place is left out; the hover (and the table) still names it.
                text=[plain(place[1]) if place else "" for place in placed],
                textposition=[place[0] if place else "top center" for place in placed],
                customdata=[plain(points[i]["name"]) for i in group],
                textfont={"size": MAP_FONT_PX, "color": MUTED},
                # A shape as well as a colour, so the map reads without colour vision.
                marker={
                    "size": MAP_MARKER_PX,
                    "color": colour(placement),
                    "symbol": SYMBOLS[index % len(SYMBOLS)],
                    "line": {"width": 1, "color": "white"},
                },
                hovertemplate="%{customdata}<br>utilisation %{x:.1%}<br>waiting %{y:.0%}<extra></extra>",
            )
        )
    for share, words in rules:
        marker_line(figure, share, words, log_x=True, dash="dash", at="bottom")
    figure.add_hline(
        y=wait_rule[0],
        line={"dash": "dot", "color": MUTED, "width": 1},
        annotation_text=wait_rule[1],
        annotation_position="bottom right",
        annotation_font={"size": 11, "color": MUTED},
    )
    decades = [1e-4, 1e-3, 1e-2, 1e-1, 1]
    styled(
        figure,
        height=420,
        xaxis={
            "title": "Utilisation (log scale)",
            "type": "log",
            "range": x_range,
            "tickvals": decades,
            "ticktext": ["0.01%", "0.1%", "1%", "10%", "100%"],
        },
        yaxis={"title": "Time spent waiting", "tickformat": ".0%", "range": list(MAP_Y_RANGE)},
    )
    # Room for the threshold labels above the plot; names only where they were placed to fit.
    figure.update_layout(margin={"t": 40}, meta={"labelsFromPx": MAP_LABELS_FROM_PX})
    return Chart(
        "decision_map",
        "Decision map",
        "Left of the 15% line and high on waiting, orchestration belongs on pay-per-use "
        "serverless; to the right, busy fleets are cheaper on provisioned containers.",
        figure,
    )


MAP_Y_RANGE = (-0.05, 1.08)
MAP_FONT_PX, MAP_MARKER_PX = 11, 12
# The plot's size in pixels on a laptop's portfolio page and on a wide one: labels are
# placed clear of each other in both (a phone shows fewer, through the hover).
MAP_FRAMES = ((620, 280), (1000, 300))
MAP_LABELS_FROM_PX = 700  # the figure's width when its plot is the narrower frame's
MAP_LABELS_MAX = 40


def _map_labels(
    points: list[dict[str, Any]],
    x_range: list[float],
    rules: tuple[tuple[float, str], ...],
    wait_rule: tuple[float, str],
) -> list[tuple[str, str] | None]:
    """Each point's (text position, label) on the decision map, or None to leave its name to the hover."""
    if len(points) > MAP_LABELS_MAX:  # names would cover the map; hover and the table name them
        return [None] * len(points)

    def across(utilization: float) -> float:
        return (math.log10(max(utilization, 1e-4)) - x_range[0]) / (x_range[1] - x_range[0])

    def up(wait: float) -> float:
        return (wait - MAP_Y_RANGE[0]) / (MAP_Y_RANGE[1] - MAP_Y_RANGE[0])

    def rule_words(width: float, height: float) -> list[chart_labels.Box]:
        # As marker_line and add_hline draw them: beside each rule's foot, under the wait rule's end.
        boxes = []
        for share, words in rules:
            text_w, text_h = chart_labels.text_size(words, MAP_FONT_PX)
            left, bottom = across(share) * width + 4, 0.02 * height
            boxes.append(chart_labels.Box(left, bottom, left + text_w, bottom + text_h))
        text_w, text_h = chart_labels.text_size(wait_rule[1], MAP_FONT_PX)
        top = up(wait_rule[0]) * height
        return boxes + [chart_labels.Box(width - text_w, top - text_h, width, top)]

    # Short names first: they fit more places, so more names are shown.
    order = sorted(range(len(points)), key=lambda i: len(str(points[i]["name"])))
    chosen = chart_labels.label_positions(
        [(across(points[i]["utilization"]), up(points[i]["wait_fraction"])) for i in order],
        [str(points[i]["name"]) for i in order],
        frames=MAP_FRAMES,
        font_px=MAP_FONT_PX,
        marker_px=MAP_MARKER_PX,
        fixed=rule_words,
        lines=[("x", across(share)) for share, _ in rules] + [("y", up(wait_rule[0]))],
    )
    labels: list[tuple[str, str] | None] = [None] * len(points)
    for i, label_ in zip(order, chosen):
        labels[i] = label_
    return labels


# --- one workload ------------------------------------------------------------


def workload_charts(
    advice: dict[str, Any],
    simulation: dict[str, Any] | None = None,
    sweep: dict[str, Any] | None = None,
    keys: tuple[str, ...] | None = None,
) -> list[Chart]:
    """Every chart of a workload's dashboard and report, in reading order.

    ``advice`` is a stored ``Advice.to_dict()``; ``simulation`` and ``sweep`` are
    a finished SimulationRun's result and volume sweep, or None. Charts whose
    inputs are missing (no prices, no simulation) are left out, not drawn empty.
    ``keys`` limits the charts built to those named (figures are slow to build).
    """
    economics = advice.get("economics") or {}
    candidates = (
        ("split", True, lambda: split_diagram(advice)),
        ("costs", bool(advice.get("costs")), lambda: cost_bars(advice, simulation)),
        ("break_even", bool(economics.get("break_even")), lambda: break_even_chart(advice, sweep)),
        (
            "traffic",
            bool(simulation and simulation.get("traffic")),
            lambda: traffic_week(cast(dict[str, Any], simulation)),
        ),
        # With no refactoring effort there is nothing to repay: the calculators say so in words.
        (
            "payback",
            bool((economics.get("payback") or {}).get("refactor_cost")),
            lambda: payback_chart(economics["payback"], advice["profile"]["horizon_months"]),
        ),
        (
            "repatriation",
            bool(economics.get("repatriation")),
            lambda: repatriation_chart(economics["repatriation"]),
        ),
    )
    return [build() for key, available, build in candidates if available and (keys is None or key in keys)]


def _layer_total(advice: dict, layer: str) -> float | None:
    amounts = [
        line["amount"] for line in advice.get("monthly_cost", {}).get("lines", []) if line["layer"] == layer
    ]
    return round(sum(amounts), 2) if amounts else None


# The split is drawn in pixels to fit a phone: boxes of a fixed width, text wrapped to them.
SPLIT_BOX_PX = 140
SPLIT_SHIFT_PX = {"nerves": 0, "brain": -76, "memory": 76}  # from the middle: 292 px in all
SPLIT_WRAP = 18  # characters a line: about 125 px of 12 px text
SPLIT_LINE_PX = 16  # 12 px text at plotly's line spacing
SPLIT_TITLE_PX, SPLIT_PAD_PX, SPLIT_GAP_PX, SPLIT_REQUESTS_PX = 18, 8, 40, 42


def _wrapped(text: str) -> list[str]:
    """Text as lines that fit a split box, each shown as typed."""
    return [plain(line) for line in textwrap.wrap(text, SPLIT_WRAP, break_long_words=False)] or [""]


def _split_box_lines(advice: dict[str, Any], layer: str) -> list[str]:
    lines = _wrapped(layer_label(layer, advice["layers"][layer]["placement"]))
    total = _layer_total(advice, layer)
    return lines if total is None else lines + _wrapped(f"${total:,.2f} a month")


def split_diagram(advice: dict[str, Any]) -> Chart:
    """Requests reach the Nerves, which call the Brain and read the Memory: one box each.

    A small tree, top to bottom, laid out in pixels so it fits a phone as well as a
    page; box heights follow the lines they hold.
    """
    body = {layer: _split_box_lines(advice, layer) for layer in LAYERS}

    def tall(*layers: str) -> int:
        return SPLIT_TITLE_PX + 2 * SPLIT_PAD_PX + SPLIT_LINE_PX * max(len(body[layer]) for layer in layers)

    heights = {"nerves": tall("nerves"), "brain": tall("brain", "memory"), "memory": tall("brain", "memory")}
    second_row = SPLIT_REQUESTS_PX + heights["nerves"] + SPLIT_GAP_PX
    tops = {"nerves": SPLIT_REQUESTS_PX, "brain": second_row, "memory": second_row}
    plot_px = second_row + heights["brain"]

    def y(px_from_top: float) -> float:
        return 1 - px_from_top / plot_px

    figure = go.Figure()
    # Plotly's <b> markup becomes an inline style attribute, which the CSP refuses:
    # bold comes from the font's weight instead.
    figure.add_annotation(
        x=0.5,
        y=1,
        yanchor="top",
        text="Requests",
        showarrow=False,
        font={"size": 13, "color": MUTED, "weight": "bold"},
    )
    arrow = {
        "showarrow": True,
        "arrowhead": 3,
        "arrowsize": 1.2,
        "arrowwidth": 1.5,
        "arrowcolor": MUTED,
        "text": "",
    }
    figure.add_annotation(x=0.5, y=y(tops["nerves"]), ax=0, ay=-(SPLIT_REQUESTS_PX - 22), **arrow)
    for layer in ("brain", "memory"):  # tails at the Nerves box's foot, in pixels from the heads
        figure.add_annotation(
            x=0.5,
            y=y(tops[layer]),
            xshift=SPLIT_SHIFT_PX[layer],
            ax=-SPLIT_SHIFT_PX[layer],
            ay=-SPLIT_GAP_PX,
            **arrow,
        )
    for layer in LAYERS:
        placement, shift, top = advice["layers"][layer]["placement"], SPLIT_SHIFT_PX[layer], tops[layer]
        figure.add_shape(
            type="rect",
            xsizemode="pixel",
            xanchor=0.5,
            x0=shift - SPLIT_BOX_PX / 2,
            x1=shift + SPLIT_BOX_PX / 2,
            y0=y(top + heights[layer]),
            y1=y(top),
            line={"color": colour(placement), "width": 2},
            fillcolor=colour(placement),
            opacity=0.12,
            layer="below",
        )
        figure.add_annotation(
            x=0.5,
            xshift=shift,
            y=y(top + SPLIT_PAD_PX),
            yanchor="top",
            showarrow=False,
            text=LAYER_NAMES[layer].split(" ")[0],
            font={"size": 13, "color": INK, "weight": "bold"},
        )
        figure.add_annotation(
            x=0.5,
            xshift=shift,
            y=y(top + SPLIT_PAD_PX + SPLIT_TITLE_PX),
            yanchor="top",
            showarrow=False,
            align="center",
            text="<br>".join(body[layer]),
            font={"size": 12, "color": INK},
        )
    styled(
        figure,
        height=plot_px + 16,
        showlegend=False,
        xaxis={"visible": False, "range": [0, 1], "fixedrange": True},
        yaxis={"visible": False, "range": [0, 1], "fixedrange": True},
    )
    figure.update_layout(margin={"l": 8, "r": 8, "t": 8, "b": 8})
    brain, memory, nerves = (advice["layers"][k]["placement"] for k in LAYERS)
    calls = (
        "needs no model inference (Brain)"
        if brain == "none"
        else f"calls inference (Brain) on {label(brain)}"
    )
    reads = (
        "keeps no context hot (Memory)"
        if memory == "none"
        else f"reads context (Memory) from {label(memory)}"
    )
    return Chart(
        "split", "The split", f"Orchestration (Nerves) on {label(nerves)} {calls} and {reads}.", figure
    )


def _candidates(advice: dict, layer: str, simulated: dict) -> list[dict[str, Any]]:
    """Priced candidates of one layer, cheapest at the top, with the simulated band if any."""
    rows = []
    for placement, cost in (advice["costs"].get(layer) or {}).items():
        if cost["total"] is None:
            continue
        band = (simulated.get(placement) or {}).get("cost")
        rows.append(
            {
                "placement": placement,
                "label": shown(placement),
                "deterministic": cost["total"],
                "band": band,
                "value": band["p50"] if band else cost["total"],
            }
        )
    return sorted(rows, key=lambda r: -r["value"])  # plotly draws bottom-up


def cost_bars(advice: dict[str, Any], simulation: dict[str, Any] | None) -> Chart:
    """Monthly cost of each priced candidate per layer; p10-p90 whiskers where simulated."""
    simulated = (simulation or {}).get("placements") or {}
    layers = [(layer, _candidates(advice, layer, simulated.get(layer) or {})) for layer in LAYERS]
    layers = [(layer, rows) for layer, rows in layers if rows]
    heights = [max(len(rows), 1) for _, rows in layers]
    figure = make_subplots(
        rows=len(layers),
        cols=1,
        row_heights=heights,
        vertical_spacing=0.09,
        subplot_titles=[LAYER_NAMES[layer] for layer, _ in layers],
    )
    for row, (layer, rows) in enumerate(layers, start=1):
        chosen = advice["layers"][layer]["placement"]
        figure.add_trace(
            go.Bar(
                y=[r["label"] for r in rows],
                x=[r["value"] for r in rows],
                orientation="h",
                marker={
                    "color": [colour(r["placement"]) for r in rows],
                    "opacity": [1.0 if r["placement"] == chosen else 0.45 for r in rows],
                    "pattern": {"shape": ["" if r["band"] or not simulation else "/" for r in rows]},
                },
                # No whisker (not even its cap) where nothing was simulated.
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "color": INK,
                    "thickness": 1.2,
                    "array": [(r["band"]["p90"] - r["value"]) if r["band"] else None for r in rows],
                    "arrayminus": [(r["value"] - r["band"]["p10"]) if r["band"] else None for r in rows],
                },
                showlegend=False,
                customdata=[
                    ("simulated median, p10-p90 whiskers" if r["band"] else "deterministic estimate")
                    for r in rows
                ],
                hovertemplate="%{y}: $%{x:,.2f} a month (%{customdata})<extra></extra>",
            ),
            row=row,
            col=1,
        )
        figure.update_xaxes(tickprefix="$", tickformat=",.0f", rangemode="tozero", row=row, col=1)
    styled(figure, height=150 + 34 * sum(heights) + 40 * len(layers), showlegend=False)
    figure.update_layout(margin={"l": 24, "r": 24, "t": 32, "b": 32})
    figure.update_annotations(font={"size": 13, "color": INK})
    for row, (layer, rows) in enumerate(layers, start=1):
        _value_labels(figure, rows, chosen=advice["layers"][layer]["placement"], row=row)
    if simulation:
        caption = (
            f"Bars are the median monthly cost over {simulation['paths']:,} simulated months; "
            "whiskers span p10 to p90. Hatched bars were not simulated: deterministic "
            "estimates. The recommended placement is solid and ticked."
        )
        title = "Monthly cost per placement, simulated"
    else:
        caption = (
            "Deterministic estimates from the price catalog at the stated average traffic; "
            "no simulation has run yet, so there are no uncertainty bands. "
            "The recommended placement is solid and ticked."
        )
        title = "Monthly cost per placement (deterministic, no simulation yet)"
    return Chart("costs", title, caption, figure)


def _value_labels(figure: go.Figure, rows: list[dict[str, Any]], *, chosen: str, row: int) -> None:
    """Each bar's amount in ink on the white beyond its end (and its whisker's).

    Inside a bar a label fights the fill: Plotly picks its colour from the bar's
    colour, not from the hatching or the transparency actually drawn, and a whisker
    crosses it. Annotations also widen the axis until they fit, at any width.
    """
    for r in rows:
        end = r["band"]["p90"] if r["band"] else r["value"]
        words = f"${r['value']:,.2f}" + (" ✓" if r["placement"] == chosen else "")
        figure.add_annotation(
            x=max(end, r["value"]),
            y=r["label"],
            xanchor="left",
            xshift=4,
            showarrow=False,
            text=words,
            font={"size": 12, "color": INK},
            row=row,
            col=1,
        )


def _band(figure: go.Figure, x: list, low: list, high: list, colour_: str, name: str) -> None:
    """A filled p10-p90 band: the upper edge, then the lower edge filled up to it."""
    figure.add_trace(
        go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=low,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=_translucent(colour_),
            name=name,
            hoverinfo="skip",
        )
    )


def _translucent(hex_colour: str, alpha: float = 0.18) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def break_even_chart(advice: dict[str, Any], sweep: dict[str, Any] | None = None) -> Chart:
    """Serverless against provisioned Nerves cost as traffic grows, this workload marked."""
    result = advice["economics"]["break_even"]
    serverless, provisioned = result["serverless"], result["provisioned"]
    rates = [point[0] for point in result["curve"]]
    figure = go.Figure()
    crossing = result.get("requests_per_day")
    here = advice["profile"]["requests_per_day"]
    marked = max(here, rates[0])
    if crossing:
        figure.add_vrect(
            x0=rates[0],
            x1=crossing,
            fillcolor=_translucent(colour(serverless), 0.06),
            line_width=0,
            layer="below",
        )
        marker_line(
            figure,
            crossing,
            f"break-even ≈ {crossing:,.0f} a day",
            log_x=True,
            dash="dash",
            **_break_even_label_place(crossing, marked),
        )
    curves = ((serverless, 1), (provisioned, 2))
    sweep_curves = ((sweep or {}).get("costs") or {}).get(result["layer"]) or {}
    for placement, column in curves:
        band = sweep_curves.get(placement)
        if band and sweep is not None:  # a band comes only from a sweep
            _band(
                figure,
                sweep["rates"],
                band["p10"],
                band["p90"],
                colour(placement),
                f"{shown(placement)}, simulated p10-p90",
            )
        # Costs under a cent cannot sit on a log axis; the line starts where they reach one.
        figure.add_trace(
            go.Scatter(
                x=rates,
                y=[point[column] if point[column] >= 0.01 else None for point in result["curve"]],
                mode="lines",
                name=shown(placement),
                line={"color": colour(placement), "width": 2.5},
                hovertemplate=f"{shown(placement)}: $%{{y:,.2f}} a month at %{{x:,.0f}} requests a day<extra></extra>",
            )
        )
    costs = advice["costs"][result["layer"]]
    for placement, _ in curves:
        total = (costs.get(placement) or {}).get("total")
        if total:
            figure.add_trace(
                go.Scatter(
                    x=[max(here, rates[0])],
                    y=[total],
                    mode="markers",
                    showlegend=False,
                    marker={
                        "size": 11,
                        "color": colour(placement),
                        "symbol": "diamond",
                        "line": {"width": 1.5, "color": INK},
                    },
                    hovertemplate=f"This workload on {shown(placement)}: $%{{y:,.2f}}<extra></extra>",
                )
            )
    marker_line(
        figure, marked, "this workload", log_x=True, dash="solid", **_workload_label_place(crossing, marked)
    )
    styled(
        figure,
        height=340,
        xaxis={"title": "Requests a day (log)", "type": "log", "dtick": 1},
        yaxis={"title": "Monthly cost of the Nerves (log)", "type": "log", "tickprefix": "$", "dtick": 1},
    )
    cheaper = label(result["cheaper_below"])
    where = (
        f"below about {crossing:,.0f} requests a day {cheaper} is cheaper"
        if crossing
        else f"{cheaper} is cheaper across the whole range"
    )
    bands = " Shaded bands are the simulated p10-p90." if sweep_curves else ""
    return Chart(
        "break_even",
        "Break-even: serverless against containers",
        f"For this workload's shape ({advice['profile']['wait_fraction']:.0%} waiting, "
        f"{advice['profile']['request_duration_s']:g} s per request), {where}; "
        f"diamonds mark this workload at {here:,.0f} a day.{bands}",
        figure,
    )


def _break_even_label_place(crossing: float, here: float) -> dict[str, str]:
    """Where the break-even label goes: in a corner of the crossing that no cost line enters.

    Costs never fall as traffic grows, so left of the crossing both lines stay at or
    below the break-even cost and right of it at or above: the top-left and the
    bottom-right corners are empty. The label takes the one away from this workload's line.
    """
    if here < crossing:
        return {"at": "bottom", "side": "right"}
    return {"at": "top", "side": "left"}


def _workload_label_place(crossing: float | None, here: float) -> dict[str, str]:
    """Where "this workload" goes: the other empty corner, on the far side of its line from the crossing."""
    if crossing is None or here >= crossing:
        return {"at": "bottom", "side": "right"}
    return {"at": "top", "side": "left"}


def traffic_week(simulation: dict[str, Any]) -> Chart:
    """A simulated week hour by hour: arrivals with their band, peak concurrency, fleet size."""
    traffic = simulation["traffic"]
    hours = list(range(traffic["hours"]))
    days = [h / 24 for h in hours]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.55, 0.45])
    arrivals = traffic["arrivals"]
    _band(
        figure,
        days,
        arrivals["p10"],
        arrivals["p90"],
        FAMILY_COLOURS["containers"],
        "requests an hour, p10-p90",
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=arrivals["path"],
            mode="lines",
            name="one simulated week",
            line={"color": FAMILY_COLOURS["containers"], "width": 1.5},
            hovertemplate="day %{x:.1f}: %{y:,.0f} requests<extra></extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=days,
            y=traffic["concurrency"]["path"],
            mode="lines",
            name="peak requests in flight",
            line={"color": FAMILY_COLOURS["serverless"], "width": 1.5},
            hovertemplate="day %{x:.1f}: %{y:,.0f} in flight<extra></extra>",
        ),
        row=2,
        col=1,
    )
    if traffic.get("fleet_size"):
        figure.add_trace(
            go.Scatter(
                x=days,
                y=traffic["fleet_size"]["path"],
                mode="lines",
                name="container tasks (autoscaled)",
                line_shape="hv",
                line={"color": FAMILY_COLOURS["owned"], "width": 1.5, "dash": "dot"},
                hovertemplate="day %{x:.1f}: %{y:.1f} tasks<extra></extra>",
            ),
            row=2,
            col=1,
        )
    styled(figure, height=380)
    figure.update_yaxes(title_text="Requests an hour", rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text="In flight / tasks", rangemode="tozero", row=2, col=1)
    figure.update_xaxes(title_text="Day of the simulated month", dtick=1, row=2, col=1)
    figure.update_xaxes(dtick=1, row=1, col=1)
    return Chart(
        "traffic",
        "A simulated week",
        f"The {simulation['pattern'].replace('_', ' ')} pattern, hour by hour, over the first "
        f"{traffic['hours'] // 24} days: the line is one real simulated path (the one with "
        f"the median month), the band the p10-p90 across {simulation['paths']:,} paths.",
        figure,
    )


def payback_chart(payback: dict[str, Any], horizon_months: int) -> Chart:
    """Cumulative saving net of the refactoring effort, month by month."""
    months = list(range(horizon_months + 1))
    net = [round(-payback["refactor_cost"] + payback["monthly_saving"] * m, 2) for m in months]
    tint = colour("lambda") if payback["monthly_saving"] >= 0 else "#b91c1c"
    figure = go.Figure(
        go.Scatter(
            x=months,
            y=net,
            mode="lines",
            fill="tozeroy",
            fillcolor=_translucent(tint, 0.12),
            line={"color": tint, "width": 2.5},
            name="net saving",
            hovertemplate="month %{x}: $%{y:,.0f}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line={"color": INK, "width": 1})
    when = payback.get("months")
    if when is not None and 0 < when <= horizon_months:
        figure.add_vline(
            x=when,
            line={"dash": "dash", "color": MUTED, "width": 1},
            annotation_text=f"paid back in month {when:.1f}",
            annotation_position="top left",
            annotation_font={"size": 11},
        )
    # Whole dollars, unless the amounts are so small that rounding would repeat tick labels.
    ticks = ",.0f" if max(abs(v) for v in net) >= 10 else ",.2f"
    styled(
        figure,
        height=300,
        showlegend=False,
        xaxis={"title": "Months after the move"},
        yaxis={"title": "Cumulative saving, net", "tickprefix": "$", "tickformat": ticks},
    )
    return Chart(
        "payback",
        "Refactoring payback",
        f"Against {payback['basis']}, the split {_saves(payback['monthly_saving'])}. "
        f"{_payback_words(payback, horizon_months)}",
        figure,
    )


def _saves(monthly: float) -> str:
    return f"saves ${monthly:,.2f} a month" if monthly >= 0 else f"costs ${-monthly:,.2f} a month more"


def _payback_words(payback: dict[str, Any], horizon_months: int) -> str:
    """What the payback line shows, in words that match it: repaid within the months drawn, later, or never."""
    when, effort = payback.get("months"), payback["refactor_cost"]
    if not effort:
        return (
            "No refactoring effort entered: the move pays from the first month."
            if payback["monthly_saving"] > 0
            else "No refactoring effort entered: there is nothing to repay."
        )
    if payback["monthly_saving"] < 0:
        return "The recommended split costs more each month than the baseline, so the move never pays back."
    if when is None:
        return f"With no monthly saving, the refactoring effort of ${effort:,.0f} never pays back."
    if when > horizon_months:
        return (
            f"The refactoring effort of ${effort:,.0f} is repaid in {when:.1f} months, after the "
            f"{horizon_months} months drawn."
        )
    return f"The refactoring effort of ${effort:,.0f} is repaid in {when:.1f} months."


def repatriation_chart(repatriation: dict[str, Any]) -> Chart:
    """Cumulative cloud spend against owning servers (capex up front), month by month."""
    months = list(range(1, len(repatriation["cumulative_cloud"]) + 1))
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=months,
            y=repatriation["cumulative_cloud"],
            mode="lines",
            name="cloud compute (model tokens left out)",
            line={"color": FAMILY_COLOURS["containers"], "width": 2.5},
            hovertemplate="month %{x}: $%{y:,.0f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=months,
            y=repatriation["cumulative_owned"],
            mode="lines",
            name=f"owned: {plural(repatriation['servers'], 'server')}",
            line={"color": FAMILY_COLOURS["owned"], "width": 2.5, "dash": "dash"},
            hovertemplate="month %{x}: $%{y:,.0f}<extra></extra>",
        )
    )
    crossover = repatriation.get("crossover_month")
    if crossover:
        figure.add_vline(
            x=crossover,
            line={"dash": "dot", "color": MUTED, "width": 1},
            annotation_text=f"owning is cheaper from month {crossover}",
            annotation_position="top left",
            annotation_font={"size": 11},
        )
    styled(
        figure,
        height=300,
        xaxis={"title": "Month"},
        yaxis={"title": "Cumulative spend", "tickprefix": "$", "tickformat": ",.0f"},
    )
    words = (
        f"Owning becomes cheaper from month {crossover}."
        if crossover
        else f"Owning never catches up within {len(months)} months."
    )
    return Chart(
        "repatriation",
        "Repatriation: cloud against owned hardware",
        # Model tokens are bought whether the servers are owned or not: neither side has them.
        f"Cloud compute at ${repatriation['cloud_monthly']:,.2f} a month, without the model "
        f"tokens (bought either way), against "
        f"${repatriation['capex']:,.0f} up front and ${repatriation['owned_monthly_opex']:,.2f} "
        f"a month to run. {words}",
        figure,
    )
