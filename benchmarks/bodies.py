"""Request bodies as an intake tool sends them: shared by the load and engine benchmarks."""

from __future__ import annotations

import random


def varied_body(rng: random.Random, bases: list[dict], label: str) -> dict:
    """A preset's profile with its traffic and shape moved about, as an intake tool sends them.

    The name is unique, so no two bodies are the same profile: the engine caches by profile.
    """
    base = rng.choice(bases)
    body = {**base, "name": f"{base['name']} {label}"}
    scale = 10 ** rng.uniform(-1, 1)
    if base.get("job_total_requests") is not None:  # a one-off job: its volume sets the daily rate
        body["job_total_requests"] = max(1, round(base["job_total_requests"] * scale))
    else:
        body["requests_per_day"] = max(1, round(base["requests_per_day"] * scale))
    body["peak_to_average"] = round(max(1.0, base.get("peak_to_average", 3) * rng.uniform(0.5, 2)), 1)
    stretch = rng.uniform(0.5, 2)
    for name in ("request_duration_s", "max_duration_s"):
        if name in base:
            body[name] = round(base[name] * stretch, 2)
    if "wait_fraction" in base:
        body["wait_fraction"] = round(min(0.99, max(0.0, base["wait_fraction"] + rng.uniform(-0.1, 0.1))), 2)
    body["orchestration_steps"] = max(1, base.get("orchestration_steps", 1) + rng.randint(-1, 2))
    for name in ("input_tokens", "output_tokens"):
        if name in base:
            body[name] = max(1, round(base[name] * rng.uniform(0.5, 2)))
    return body
