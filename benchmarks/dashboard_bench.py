"""Benchmark of the workload dashboard (issue 5): server time and the time to draw it in Chromium.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pa_bench .venv/bin/python benchmarks/dashboard_bench.py

Sets up its own database (migrated, one team, the `agent_orchestrator` preset with a finished
1,000-path simulation, so every chart is on the page) and measures:
  (a) server time of GET /workloads/<id>/: Django's test client in this process, the whole
      request through middleware, the queries and the template; the first request (charts built
      and cached) and the median of --repeat further ones;
  (b) fully drawn in Chromium: gunicorn serves the app (DEBUG off, static files by WhiteNoise),
      Debian's Chromium loads the page and we read performance.now() when the last
      <figure class="chart"> reports drawn; median of --repeat loads in a fresh browser
      context (cold cache) and of --repeat loads in one context (warm cache).
Targets: (a) median <= 150 ms, (b) <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor.config.settings")
os.environ.setdefault("DEBUG", "1")
# Shared with the gunicorn it starts: sessions made here must verify there.
os.environ["SECRET_KEY"] = "benchmark-only-" + "x" * 40
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
if not os.environ.get("DATABASE_URL"):
    raise SystemExit("error: set DATABASE_URL to a PostgreSQL database the benchmark may fill")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from simulation_bench import machine  # noqa: E402

TARGET_SERVER_S, TARGET_DRAWN_S = 0.150, 1.5
PASSWORD = "bench-password-1"


def prepare() -> int:
    """A team, a user and one workload with a finished simulation; returns the workload id."""
    from django.contrib.auth import get_user_model

    from advisor.models import Membership, Team
    from advisor.simulations import services as simulations
    from advisor.workloads import services
    from placement.presets import PRESETS

    call_command("migrate", verbosity=0)
    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench team"})
    user = get_user_model().objects.filter(username="bench").first()
    if user is None:
        user = get_user_model().objects.create_user("bench", password=PASSWORD)
        Membership.objects.create(user=user, team=team, role="owner")
    workload = services.workload_create(
        user=user, team=team, profile_data=PRESETS["agent_orchestrator"].profile
    )
    simulations.simulation_request(user=user, workload=workload, paths=1000, seed=20261101)
    return workload.pk


def server_times(workload_id: int, repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    cache.clear()
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    url = f"/workloads/{workload_id}/"

    def once() -> float:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200 and response.content.count(b'class="chart ') >= 6, (
            "not every chart"
        )
        return elapsed

    first = once()
    times = [once() for _ in range(repeat)]
    return {
        "first_s": round(first, 4),
        "median_s": round(statistics.median(times), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "repeat": repeat,
    }


def _session_key() -> str:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    return client.cookies["sessionid"].value


def drawn_times(workload_id: int, repeat: int, port: int) -> dict:
    from playwright.sync_api import sync_playwright

    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "advisor.config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    session_key = _session_key()
    try:
        time.sleep(3)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )

            def signed_in_context():
                # A session made by Django itself: the login form's CSRF origin check would
                # (rightly) refuse a plain-HTTP origin in production settings.
                context = browser.new_context(
                    viewport={"width": 1280, "height": 900}, extra_http_headers={"X-Forwarded-Proto": "https"}
                )
                context.add_cookies(
                    [{"name": "sessionid", "value": session_key, "url": base, "httpOnly": True}]
                )
                return context, context.new_page()

            def load(page) -> float:
                page.goto(f"{base}/workloads/{workload_id}/", wait_until="commit")
                try:
                    page.locator("figure.chart").first.wait_for(state="attached", timeout=15000)
                except Exception:
                    raise SystemExit(f"no chart at {page.url}: {page.content()[:400]}")
                page.locator("figure.chart:not([data-drawn=yes])").first.wait_for(
                    state="detached", timeout=30000
                )
                # performance.now() counts from the start of this navigation.
                return page.evaluate("() => performance.now()") / 1000

            cold = []
            for _ in range(repeat):
                context, page = signed_in_context()
                cold.append(load(page))
                context.close()
            context, page = signed_in_context()
            load(page)
            warm = [load(page) for _ in range(repeat)]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "cold_median_s": round(statistics.median(cold), 3),
        "cold_max_s": round(max(cold), 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "repeat": repeat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workload_id = prepare()
    server = server_times(workload_id, args.repeat)
    drawn = drawn_times(workload_id, max(args.repeat // 2, 3), args.port)
    report = {
        "machine": machine(),
        "server": server,
        "drawn": drawn,
        "targets": {"server_median_s": TARGET_SERVER_S, "drawn_s": TARGET_DRAWN_S},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        m = report["machine"]
        print(f"{m['date']}  {m['nproc']} x {m['cpu']}  Python {m['python']}")
        print(
            f"(a) server: first {server['first_s'] * 1000:.0f} ms (charts built), "
            f"median {server['median_s'] * 1000:.1f} ms of {server['repeat']} "
            f"(min {server['min_s'] * 1000:.1f}, max {server['max_s'] * 1000:.1f})  target <= 150 ms"
        )
        print(
            f"(b) drawn in Chromium: cold cache median {drawn['cold_median_s']:.2f} s "
            f"(max {drawn['cold_max_s']:.2f}), warm cache median {drawn['warm_median_s']:.2f} s "
            f"of {drawn['repeat']}  target <= 1.5 s"
        )
    ok = server["median_s"] <= TARGET_SERVER_S and drawn["cold_median_s"] <= TARGET_DRAWN_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
