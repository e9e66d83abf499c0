"""Plotly figures built from stored engine results (advice and simulation JSON).

Every builder takes the plain dicts an Assessment or a SimulationRun stores and
returns a ``Chart``: the figure plus the title and caption a reader needs. The
same figures are drawn in the browser (plotly.js, data passed as JSON) and
exported as SVG into the PDF report, so a figure never depends on the page.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from placement.placements import LAYER_NAMES, label
from placement.rules import load_matrix

# One colour per placement family, so a placement looks the same on every chart.
FAMILY_COLOURS = {
    "serverless": "#d97706",   # Lambda, Step Functions
    "containers": "#2563eb",   # Fargate, ECS, EKS, EC2
    "managed_ml": "#7c3aed",   # SageMaker, Bedrock, hosted APIs
    "data": "#059669",         # caches, vector stores, tables
    "owned": "#475569",        # on premises
    "none": "#9ca3af",
}
FAMILY_OF = {
    "lambda": "serverless", "lambda_durable": "serverless", "step_functions": "serverless",
    "step_functions_express": "serverless",
    "fargate": "containers", "ecs_ec2": "containers", "eks": "containers", "ec2": "containers",
    "ec2_gpu": "containers",
    "sagemaker_realtime": "managed_ml", "sagemaker_serverless": "managed_ml",
    "sagemaker_async": "managed_ml", "bedrock": "managed_ml", "hosted_api": "managed_ml",
    "elasticache": "data", "opensearch_serverless": "data", "dynamodb": "data",
    "on_prem": "owned", "none": "none",
}
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

    def as_json(self) -> dict[str, Any]:
        """The figure as plain JSON data for plotly.js (NumPy arrays become lists)."""
        return json.loads(self.figure.to_json(validate=False))


def colour(placement: str) -> str:
    return FAMILY_COLOURS[FAMILY_OF.get(placement, "none")]


def styled(figure: go.Figure, *, height: int = 320, **layout: Any) -> go.Figure:
    """The house style: quiet grid, readable fonts, legend above the plot."""
    figure.update_layout(
        height=height, margin={"l": 64, "r": 24, "t": 16, "b": 48},
        font={"family": FONT, "size": 13, "color": INK},
        paper_bgcolor="white", plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
        **layout,
    )
    figure.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    figure.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    return figure


# --- team portfolio ----------------------------------------------------------

def decision_map(points: list[dict[str, Any]]) -> Chart:
    """Each workload at (utilisation, wait fraction), coloured by where its Nerves run.

    ``points``: dicts with name, utilization (0..1), wait_fraction (0..1) and
    nerves (a placement id). The lines are the matrix's own thresholds, read
    from matrix.yaml so the map moves when the rules do.
    """
    constants = load_matrix().constants
    figure = go.Figure()
    for placement in sorted({p["nerves"] for p in points}, key=lambda p: label(p)):
        group = [p for p in points if p["nerves"] == placement]
        figure.add_trace(go.Scatter(
            x=[max(p["utilization"], 1e-4) for p in group], y=[p["wait_fraction"] for p in group],
            mode="markers+text", name=f"Nerves on {label(placement)}",
            text=[p["name"] for p in group], textposition="top center",
            textfont={"size": 11, "color": MUTED},
            marker={"size": 12, "color": colour(placement), "line": {"width": 1, "color": "white"}},
            hovertemplate="%{text}<br>utilisation %{x:.1%}<br>waiting %{y:.0%}<extra></extra>",
        ))
    for share, words in ((constants["utilization_threshold"], "15% rule"),
                         (constants["repatriation_threshold"], "40%: look at owning")):
        figure.add_vline(x=share, line={"dash": "dash", "color": MUTED, "width": 1},
                         annotation_text=words, annotation_position="top",
                         annotation_font={"size": 11, "color": MUTED})
    figure.add_hline(y=constants["wait_threshold"], line={"dash": "dot", "color": MUTED, "width": 1},
                     annotation_text="60% waiting", annotation_position="bottom right",
                     annotation_font={"size": 11, "color": MUTED})
    styled(figure, height=420,
           xaxis={"title": "Utilisation of a fleet sized for the peak (log)", "type": "log",
                  "tickformat": ".0%", "range": [-4, 0.05]},
           yaxis={"title": "Share of each request spent waiting", "tickformat": ".0%",
                  "range": [-0.05, 1.08]})
    return Chart("decision_map", "Decision map",
                 "Left of the 15% line and high on waiting, orchestration belongs on pay-per-use "
                 "serverless; to the right, busy fleets are cheaper on provisioned containers.",
                 figure)
