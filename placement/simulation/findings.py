"""What a finished simulation says about the advice, in words a manager can read.

``findings(result, advice)`` turns a simulation's numbers into warnings about
the recommended split: requests the function throttled, cold starts, minutes a
fleet spent below demand, and a p90 month in which another placement is the
cheaper. Each finding carries its numbers in ``values`` and in its text.

It reads ``SimulationResult`` or its stored ``to_dict()``, including results
stored before the shares and the busiest hour were recorded (engine sim-1.0):
what such a result lacks is derived from its counts or left out of the text.

    >>> from placement import parse_profile
    >>> from placement.simulation import simulate
    >>> result = simulate(parse_profile({"name": "bot", "requests_per_day": 2000}),
    ...                   paths=10, days=1, seed=7)
    >>> findings(result, None)
    []
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from placement.placements import LAYER_NAMES, LAYERS, label
from placement.simulation import capacity
from placement.simulation.results import SERVES_ALL_BELOW

# Throttling is reported from one request in ten thousand (in the p90 month): a throttled
# synchronous call is an error the caller sees, and below this SDK retries hide it.
THROTTLED_SHARE_NOTED = 0.0001
# Cold starts are reported from 1% of requests: from there they show in the p99 latency.
COLD_START_SHARE_NOTED = 0.01
# From 5% of requests a cold start is inside the p95 latency, the percentile targets are set on.
COLD_START_SHARE_WARNING = 0.05
# A quarter of an hour below demand in a median month is noted: shorter dips are the
# autoscaler's ordinary lag behind a spike.
UNDER_PROVISIONED_MINUTES_NOTED = 15.0
# 99.9% of a 730-hour month is 43.8 minutes: past that a fleet below demand spends more time
# short than a three-nines availability target allows for outright downtime.
UNDER_PROVISIONED_MINUTES_WARNING = 0.001 * 730 * 60
# A p90 month in which another placement is cheaper is reported when it is cheaper by at
# least 1%: below that the two are tied within the sampling noise of a few hundred paths.
P90_MARGIN = 0.01

WARNING, NOTICE = "warning", "notice"
KIND_ORDER = ("throttling", "cold_starts", "under_provisioned", "p90_cheapest")
LAYER_ORDER = LAYERS


@dataclass(frozen=True)
class Finding:
    """One thing the simulation found, about ``placement`` of ``layer``."""

    kind: str  # throttling | cold_starts | under_provisioned | p90_cheapest
    severity: str  # warning | notice
    layer: str
    placement: str
    text: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "layer": self.layer,
            "placement": self.placement,
            "text": self.text,
            "values": dict(self.values),
        }


def findings(result: Any, advice: Mapping[str, Any] | None = None) -> list[Finding]:
    """The simulation's findings about the recommended split, warnings first.

    ``result`` is a ``SimulationResult`` or its ``to_dict()``; ``advice`` an
    ``Advice.to_dict()`` (the placement each layer was given, and what the
    rules ruled out). Without advice, each layer's placement is the one that
    is cheapest at average traffic.
    """
    data = result.to_dict() if hasattr(result, "to_dict") else result
    if not data or not data.get("placements"):
        return []
    out: list[Finding] = []
    layers = sorted(data["placements"], key=lambda n: LAYER_ORDER.index(n) if n in LAYER_ORDER else 9)
    for layer in layers:
        options = data["placements"][layer] or {}
        chosen = _chosen(layer, options, advice)
        r = options.get(chosen) if chosen else None
        if chosen and r is not None:
            out += [
                f
                for f in (
                    _throttling(data, layer, chosen, r),
                    _cold_starts(data, layer, chosen, r, _synchronous(advice)),
                    _under_provisioned(layer, chosen, r),
                )
                if f is not None
            ]
        flip = _p90_cheapest(layer, chosen, options, _excluded(layer, advice))
        if flip is not None:
            out.append(flip)
    return sorted(out, key=lambda f: (f.severity != WARNING,))


# -- one finding each ------------------------------------------------------------------------


def _throttling(data: Mapping[str, Any], layer: str, placement: str, r: Mapping[str, Any]) -> Finding | None:
    if r.get("throttled_requests") is None:
        return None
    share = _share(r, "throttled_share", "throttled_requests", data.get("requests"))
    if share["p90"] < THROTTLED_SHARE_NOTED:
        return None
    quota = data.get("lambda_concurrency_quota") or capacity.LAMBDA_ACCOUNT_CONCURRENCY
    which = "Lambda's default quota" if quota == capacity.LAMBDA_ACCOUNT_CONCURRENCY else "an account quota"
    throttled, offered = _p50(r, "throttled_requests"), _p50(data, "requests")
    text = (
        f"The simulation throttled {_pct(share['p50'])} of the requests to {_where(layer, placement)} "
        f"at {which} of {quota:,} concurrent executions: {throttled:,.0f} of {offered:,.0f} requests "
        f"in a median month"
    )
    values = {
        "throttled_share": share["p50"],
        "throttled_share_p90": share["p90"],
        "throttled_requests": throttled,
        "requests": offered,
        "concurrency_quota": quota,
    }
    if share["p90"] > share["p50"]:
        text += f" ({_pct(share['p90'])} in the p90 month)"
    if r.get("peak_hour_requests") is not None and r.get("peak_hour_throttled") is not None:
        peak, peak_throttled = _p50(r, "peak_hour_requests"), _p50(r, "peak_hour_throttled")
        text += f", and {peak_throttled:,.0f} of {peak:,.0f} in its busiest hour"
        values.update(peak_hour_requests=peak, peak_hour_throttled=peak_throttled)
    text += (
        ". Request a quota increase or buffer the requests with SQS. Throttled requests are "
        "not billed, so they are left out of the simulated cost."
    )
    return Finding("throttling", WARNING, layer, placement, text, values)


def _cold_starts(
    data: Mapping[str, Any], layer: str, placement: str, r: Mapping[str, Any], synchronous: bool
) -> Finding | None:
    if r.get("cold_starts") is None:
        return None
    served = _p50(data, "requests") - _p50(r, "throttled_requests")
    share = _share(r, "cold_start_share", "cold_starts", {"p50": served, "p90": served})["p50"]
    if share < COLD_START_SHARE_NOTED:
        return None
    count = _p50(r, "cold_starts")
    text = (
        f"{_pct(share)} of the requests to {_where(layer, placement)} met a cold start in the "
        f"simulation: about {count:,.0f} a month. "
    )
    if synchronous:
        text += (
            "Provisioned concurrency for the busy hours, or a smaller package that starts faster, "
            "would spare the callers the wait."
        )
    else:  # nobody waits on asynchronous work: a cold start costs seconds of processing, not a user's patience
        text += "No caller waits on this asynchronous work, so they delay it without failing anyone."
    severity = WARNING if synchronous and share >= COLD_START_SHARE_WARNING else NOTICE
    return Finding(
        "cold_starts", severity, layer, placement, text, {"cold_start_share": share, "cold_starts": count}
    )


def _under_provisioned(layer: str, placement: str, r: Mapping[str, Any]) -> Finding | None:
    if r.get("under_provisioned_minutes") is None:
        return None
    # Every simulated metric has its p90 beside its p50.
    minutes, worst = (
        _p50(r, "under_provisioned_minutes"),
        cast(float, _stat(r, "under_provisioned_minutes", "p90")),
    )
    if minutes < UNDER_PROVISIONED_MINUTES_NOTED:
        return None
    layer_name = LAYER_NAMES.get(layer, layer).split(" ")[0]
    if r.get("kind") == "autoscaled":
        who = f"The container fleet ({label(placement)}, {layer_name}) was"
        fix = (
            f"it scales out about {capacity.SCALE_OUT_LAG_MINUTES} minutes behind a climb. Keep more tasks "
            "running before known peaks, scale on requests in flight, or aim at a lower utilisation."
        )
    else:
        who = f"The servers ({label(placement)}, {layer_name}) were"
        fix = "add a server for the peaks, or queue the requests they cannot take."
    text = (
        f"{who} below demand for {_minutes(minutes)} of the simulated month "
        f"({_minutes(worst)} in the p90 month): {fix}"
    )
    severity = WARNING if minutes >= UNDER_PROVISIONED_MINUTES_WARNING else NOTICE
    return Finding(
        "under_provisioned",
        severity,
        layer,
        placement,
        text,
        {"under_provisioned_minutes": minutes, "under_provisioned_minutes_p90": worst},
    )


def _p90_cheapest(
    layer: str, chosen: str | None, options: Mapping[str, Any], excluded: set[str]
) -> Finding | None:
    """When the simulated p90 month has another cheapest placement than average traffic.

    Only placements the rules allow and that serve the traffic are compared: a
    function that throttles is cheaper only because its refused requests are not billed.
    """
    if chosen is not None and chosen in options and not _serves_all(options[chosen]):
        return None  # the throttling finding says what matters
    priced = {
        k: r
        for k, r in options.items()
        if k not in excluded
        and _serves_all(r)
        and r.get("deterministic_cost") is not None
        and _stat(r, "cost", "p90") is not None
    }
    if len(priced) < 2:
        return None
    p90 = {k: cast(float, _stat(r, "cost", "p90")) for k, r in priced.items()}  # priced: those with a p90
    usual = min(priced, key=lambda k: (priced[k]["deterministic_cost"], k))
    cheapest = min(priced, key=lambda k: (p90[k], k))
    if cheapest == usual or p90[usual] - p90[cheapest] < P90_MARGIN * p90[usual]:
        return None
    name = LAYER_NAMES.get(layer, layer).split(" ")[0]
    values = {
        "p90_cheapest": cheapest,
        "p90_cheapest_cost": p90[cheapest],
        "average_cheapest": usual,
        "average_cheapest_p90_cost": p90[usual],
    }
    if chosen == usual:
        text = (
            f"In the p90 month {label(cheapest)} ({_money(p90[cheapest])}) is cheaper than the "
            f"recommended {label(usual)} ({_money(p90[usual])}) for {name}: {label(usual)} is the "
            "cheaper one only at average traffic."
        )
        return Finding("p90_cheapest", WARNING, layer, chosen, text, values)
    if chosen == cheapest:
        text = (
            f"In the p90 month the recommended {label(cheapest)} ({_money(p90[cheapest])}) is cheaper "
            f"for {name} than {label(usual)} ({_money(p90[usual])}), the cheapest at average traffic."
        )
        return Finding("p90_cheapest", NOTICE, layer, cheapest, text, values)
    text = (
        f"In the p90 month {label(cheapest)} ({_money(p90[cheapest])}) is the cheapest for {name}, "
        f"not {label(usual)} ({_money(p90[usual])}) as at average traffic"
    )
    chosen_p90 = _stat(options[chosen], "cost", "p90") if chosen is not None and chosen in options else None
    if chosen is not None and chosen_p90 is not None:
        text += f"; the recommended {label(chosen)} costs {_money(chosen_p90)}"
        values["recommended_p90_cost"] = chosen_p90
    return Finding("p90_cheapest", NOTICE, layer, chosen or cheapest, text + ".", values)


# -- reading the result --------------------------------------------------------------------


def _chosen(layer: str, options: Mapping[str, Any], advice: Mapping[str, Any] | None) -> str | None:
    placed = ((advice or {}).get("layers") or {}).get(layer)
    if placed:
        return cast("str | None", placed.get("placement"))
    priced = {k: r for k, r in options.items() if r.get("deterministic_cost") is not None}
    return min(priced, key=lambda k: (priced[k]["deterministic_cost"], k)) if priced else None


def _synchronous(advice: Mapping[str, Any] | None) -> bool:
    """Whether a caller waits for the answer (an API), as far as the advice's profile says."""
    return cast(bool, ((advice or {}).get("profile") or {}).get("trigger", "api") == "api")


def _excluded(layer: str, advice: Mapping[str, Any] | None) -> set[str]:
    placed = ((advice or {}).get("layers") or {}).get(layer) or {}
    return {e.get("placement") for e in placed.get("excluded") or []}


def _stat(r: Mapping[str, Any], metric: str, q: str) -> float | None:
    value = (r.get(metric) or {}).get(q)
    return None if value is None else float(value)


def _p50(r: Mapping[str, Any], metric: str) -> float:
    return _stat(r, metric, "p50") or 0.0


def _share(r: Mapping[str, Any], share: str, count: str, whole: Mapping[str, Any] | None) -> dict[str, float]:
    """p50 and p90 of a stored share, or (older results) the count over the whole at each."""
    if r.get(share) is not None:
        return {q: _stat(r, share, q) or 0.0 for q in ("p50", "p90")}
    whole = whole or {}
    return {
        q: min(1.0, (_stat(r, count, q) or 0.0) / whole[q]) if whole.get(q) else 0.0 for q in ("p50", "p90")
    }


def _serves_all(r: Mapping[str, Any]) -> bool:
    share = _stat(r, "throttled_share", "p50")
    return share is None or share <= SERVES_ALL_BELOW


# -- words -----------------------------------------------------------------------------------


def _where(layer: str, placement: str) -> str:
    return f"{label(placement)} ({LAYER_NAMES.get(layer, layer).split(' ')[0]})"


def _pct(share: float) -> str:
    """0.281 -> '28.1%', 0.00042 -> '0.042%'."""
    percent = share * 100
    return f"{percent:.1f}%" if percent >= 1 else f"{percent:.2g}%"


def _money(amount: float) -> str:
    return f"${amount:,.0f}" if abs(amount) >= 100 else f"${amount:,.2f}"


def _minutes(minutes: float) -> str:
    rounded = round(minutes)
    return "1 minute" if rounded == 1 else f"{rounded:,} minutes"
