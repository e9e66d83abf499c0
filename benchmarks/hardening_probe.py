"""Issue 14's probe requests (items 1, 3, 4, 5) replayed against the app run as in production.

Start the stack first (``benchmarks/hardening_stack.sh start .``), then
``.venv/bin/python benchmarks/hardening_probe.py {big|many|idem|hostile|fair}``; each prints one
line per request: what was sent and what came back. Results: BENCHMARKS.md section 7.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import requests

PROBE_DIR = os.environ.get("PROBE_DIR", "/tmp/probe")
BASE = "http://127.0.0.1:8095"
T = json.load(open(PROBE_DIR + "/tokens.json"))
DB = "postgresql://postgres@127.0.0.1:5432/pa_probe"


def h(user, **extra):
    return {"Authorization": f"Bearer {T[user]}", "Content-Type": "application/json", **extra}


def show(label, r, t0):
    body = r.content
    print(
        f"{label}: HTTP {r.status_code} in {time.monotonic() - t0:.2f} s, {len(body):,} bytes: "
        f"{' '.join(body[:300].decode('utf-8', 'replace').split())[:200]}"
    )


def rss_mb():
    master = int(open(PROBE_DIR + "/gunicorn.pid").read())
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    out = {}
    for pid in kids:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS"):
                out[pid] = int(line.split()[1]) // 1024
    return out


def workload(user, name):
    r = requests.post(
        f"{BASE}/api/v1/workloads/",
        headers=h(user),
        data=json.dumps({"name": name, "requests_per_day": 50000}),
    )
    r.raise_for_status()
    return r.json()["id"]


def big():
    keys = {"name": "Big", "requests_per_day": 1000, **{f"unknown_{i:07d}": 1 for i in range(600_000)}}
    body = json.dumps(keys).encode()
    print(f"body: {len(body):,} bytes, 600,000 unknown keys; worker RSS before (MB): {rss_mb()}")
    wid = workload("a_owner", "Probe target")
    for label, method, url, user, extra in (
        ("evaluate (viewer)", "post", "/api/v1/evaluate/", "a_viewer", {}),
        ("create", "post", "/api/v1/workloads/", "a_owner", {}),
        ("create + Idempotency-Key", "post", "/api/v1/workloads/", "a_owner", {"Idempotency-Key": "big-1"}),
        ("PUT", "put", f"/api/v1/workloads/{wid}/", "a_owner", {}),
    ):
        t0 = time.monotonic()
        r = getattr(requests, method)(BASE + url, headers=h(user, **extra), data=body)
        show(label, r, t0)
    print(f"worker RSS after (MB): {rss_mb()}")
    with psycopg.connect(DB) as c:
        print(
            "stored idempotency answer bytes:",
            c.execute(
                "select coalesce(length(response_body::text), 0) from advisor_idempotencykey "
                "where key='big-1'"
            ).fetchone(),
        )
    # two at once, and the sign-in page meanwhile
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                requests.post(BASE + "/api/v1/evaluate/", headers=h("a_viewer"), data=body).status_code
            )
        )
        for _ in range(2)
    ]
    [t.start() for t in threads]
    time.sleep(0.2)
    t0 = time.monotonic()
    r = requests.get(BASE + "/accounts/login/")
    print(
        f"GET /accounts/login/ during two such requests: HTTP {r.status_code} in {time.monotonic() - t0:.2f} s"
    )
    [t.join() for t in threads]
    print("the two big requests answered:", results, "; worker RSS (MB):", rss_mb())


def idem():
    # (a) an unhandled 500 with a key (today: a lone surrogate in the name on create)
    raw = b'{"name": "a\\ud800b", "requests_per_day": 1000}'
    for attempt in (1, 2):
        t0 = time.monotonic()
        r = requests.post(
            BASE + "/api/v1/workloads/",
            headers=h("a_owner", **{"Idempotency-Key": "surrogate-" + uuid.uuid4().hex[:6]}),
            data=raw,
        )
        show(f"surrogate create with key, attempt {attempt}", r, t0)
    # (b) a worker killed mid-request
    key = f"killed-{uuid.uuid4().hex[:6]}"
    body = json.dumps({"name": f"Killed {key}", "requests_per_day": 200000, "wait_fraction": 0.6})
    master = int(open(PROBE_DIR + "/gunicorn.pid").read())
    out = {}
    t = threading.Thread(
        target=lambda: out.setdefault(
            "r",
            _try(
                lambda: requests.post(
                    BASE + "/api/v1/workloads/",
                    headers=h("a_owner", **{"Idempotency-Key": key}),
                    data=body,
                    timeout=30,
                )
            ),
        )
    )
    with psycopg.connect(DB, autocommit=True) as c:
        t.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            row = c.execute("select status_code from advisor_idempotencykey where key=%s", (key,)).fetchone()
            if row is not None:
                break
        kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
        pending = row is not None and row[0] is None
        for pid in kids:
            os.kill(int(pid), 9)
        print(f"key {key}: claimed and pending when both workers were SIGKILLed: {pending}")
        t.join()
        print("the killed request's client saw:", out.get("r"))
        time.sleep(3)  # gunicorn starts new workers
        start = time.monotonic()
        for _ in range(40):
            r = requests.post(
                BASE + "/api/v1/workloads/", headers=h("a_owner", **{"Idempotency-Key": key}), data=body
            )
            print(f"  retry at +{time.monotonic() - start:5.1f} s: HTTP {r.status_code} {r.text[:120]}")
            if r.status_code != 409:
                break
            time.sleep(5)
        n = c.execute("select count(*) from advisor_workload where name=%s", (f"Killed {key}",)).fetchone()[0]
        print(f"workloads named 'Killed {key}': {n}")


def _try(f):
    try:
        r = f()
        return f"HTTP {r.status_code}"
    except Exception as exc:
        return type(exc).__name__


def hostile():
    wid = workload("a_owner", "Hostile target")
    team = T["a_owner_team"]
    surrogate = b'{"name": "a\\ud800b", "requests_per_day": 1000}'
    nested = b"[" * 100_000 + b"]" * 100_000
    nested_field = b'{"name": "n", "requests_per_day": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for what, body, import_body in (
        ("lone surrogate", surrogate, b'{"mode": "all_or_nothing", "workloads": [' + surrogate + b"]}"),
        ("100,000 nested brackets", nested, b'{"mode": "all_or_nothing", "workloads": ' + nested + b"}"),
        ("nested in a field", nested_field, None),
        ("30,000 nested brackets (under the size cap)", b"[" * 30_000 + b"]" * 30_000, None),
    ):
        for label, method, url in (
            ("evaluate", "post", "/api/v1/evaluate/"),
            ("create", "post", "/api/v1/workloads/"),
            ("update", "put", f"/api/v1/workloads/{wid}/"),
        ):
            t0 = time.monotonic()
            show(
                f"{what} -> {label}",
                getattr(requests, method)(BASE + url, headers=h("a_owner"), data=body),
                t0,
            )
        if import_body:
            t0 = time.monotonic()
            show(
                f"{what} -> import (JSON body)",
                requests.post(f"{BASE}/api/v1/teams/{team}/imports/", headers=h("a_owner"), data=import_body),
                t0,
            )
            t0 = time.monotonic()
            file_body = surrogate[:0] + (b"[" + surrogate + b"]" if what == "lone surrogate" else nested)
            r = requests.post(
                f"{BASE}/api/v1/teams/{team}/imports/",
                headers={"Authorization": f"Bearer {T['a_owner']}"},
                data={"mode": "all_or_nothing"},
                files={"file": ("p.json", file_body, "application/json")},
            )
            show(f"{what} -> import (JSON file)", r, t0)
    with psycopg.connect(DB) as c:
        print("workloads stored:", c.execute("select name from advisor_workload order by id").fetchall())


def fair():
    a = workload("a_owner", "Team A big simulations")
    b = workload("b_owner", "Team B small simulation")
    runs = []
    for i in range(4):
        r = requests.post(
            f"{BASE}/api/v1/workloads/{a}/simulations/",
            headers=h("a_owner"),
            data=json.dumps({"paths": 100_000, "seed": i + 1, "days": 30}),
        )
        print(
            f"team A run {i + 1} (100,000 paths): HTTP {r.status_code} Retry-After={r.headers.get('Retry-After')} {r.text[:300]}"
        )
        if r.status_code == 202:
            runs.append(r.json()["id"])
    time.sleep(2)
    t0 = time.monotonic()
    r = requests.post(
        f"{BASE}/api/v1/workloads/{b}/simulations/",
        headers=h("b_owner"),
        data=json.dumps({"paths": 100, "seed": 7, "days": 30}),
    )
    print(f"team B run (100 paths): HTTP {r.status_code}")
    run_b = r.json()["id"]
    while time.monotonic() - t0 < 240:
        s = requests.get(f"{BASE}/api/v1/workloads/{b}/simulations/{run_b}/", headers=h("b_owner")).json()
        if s["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.5)
    print(f"team B's run: {s['status']} after {time.monotonic() - t0:.1f} s")
    for run in runs:
        s = requests.get(f"{BASE}/api/v1/workloads/{a}/simulations/{run}/", headers=h("a_owner")).json()
        print(f"  team A run {run}: {s['status']}, chunks {s.get('chunks_done')}/{s.get('chunks_total')}")
        requests.post(f"{BASE}/api/v1/workloads/{a}/simulations/{run}/cancel/", headers=h("a_owner"))
    print(
        "chunk messages left in the broker:",
        subprocess.run(
            ["redis-cli", "-n", "7", "llen", "celery"], capture_output=True, text=True
        ).stdout.strip(),
    )


def many():
    """Under the size cap: as many unknown keys as 64 KB holds."""
    keys = {"name": "Many", "requests_per_day": 1000, **{f"u{i}": 1 for i in range(6_000)}}
    body = json.dumps(keys, separators=(",", ":")).encode()
    for label, extra in (("evaluate", {}), ("create + Idempotency-Key", {"Idempotency-Key": "many-1"})):
        t0 = time.monotonic()
        url = "/api/v1/evaluate/" if label == "evaluate" else "/api/v1/workloads/"
        show(
            f"{label}, {len(body):,} bytes, 6,000 unknown keys",
            requests.post(BASE + url, headers=h("a_owner", **extra), data=body),
            t0,
        )
    with psycopg.connect(DB) as c:
        print(
            "stored idempotency answer bytes:",
            c.execute(
                "select length(response_body::text) from advisor_idempotencykey where key='many-1'"
            ).fetchone(),
        )


if __name__ == "__main__":
    globals()[sys.argv[1]]()
