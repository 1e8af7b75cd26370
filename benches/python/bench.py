"""Python benchmarks of fiks_integrasjon against a hand-written baseline (baseline.py), both
talking to the same running mock over loopback. Run by scripts/bench-python, which builds the
wheel, makes the venv and starts the mock:

    python bench.py --mock-json MOCK.json --wheel WHEEL --out OUT.json [--quick]

Every part runs in a fresh worker process (this file with ``--worker``), so one measurement's
threads, caches and garbage cannot leak into the next. Times are taken with
``time.perf_counter_ns``:

- cached reads (``headers()``, ``access_token()``): calls in batches; the per-call time of each
  batch (batch time / calls, loop overhead included, as in a user's loop) gives median and p99;
- cold token (``clear_cache()`` then ``access_token()``): every call timed on its own;
- threads: N threads call ``headers()`` for a few seconds while the mock issues tokens that
  live 1 s; every single read is timed; the mock's counters give the token requests;
- ``import fiks_integrasjon``: timed inside ~10 fresh interpreters (median);
- RSS (VmRSS): a fresh interpreter before the import, after it, and after a client fetched a token;
- awaitables: N concurrent ``await client.headers_async()`` while the mock holds the token
  answer back (a 10 ms heartbeat on the same loop gives the worst loop lag; ``/proc/self/task``
  the threads created), then cached ``await client.headers_async()`` per call, batched.

Writes one JSON object with the keys benches/report.py reads. Asserts no timings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from array import array
from pathlib import Path
from typing import Any, Callable, Dict, List

HERE = Path(__file__).resolve().parent
IMPLS = ("ours", "baseline")


# ---------------------------------------------------------------- helpers

def pct(sorted_values: List[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return float(sorted_values[i])


def summary(values: List[float]) -> Dict[str, float]:
    v = sorted(values)
    return {"median_ns": statistics.median(v), "p99_ns": pct(v, 0.99), "min_ns": v[0], "max_ns": v[-1], "n": len(v)}


def control(base_url: str, action: str, body: Dict[str, Any] | None = None) -> Dict[str, Any]:
    """Calls the mock's control endpoint (standard library only)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{base_url}/_mock/{action}",
        data=data,
        method="GET" if body is None and action == "counters" else "POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def make_client(impl: str, config: str) -> Any:
    if impl == "ours":
        import fiks_integrasjon

        assert "site-packages" in (fiks_integrasjon.__file__ or ""), fiks_integrasjon.__file__
        return fiks_integrasjon.Client.from_file(config)
    sys.path.insert(0, str(HERE))
    import baseline

    return baseline.BaselineClient(config)


# ---------------------------------------------------------------- workers (fresh processes)

def batched(f: Callable[[], object], batches: int, per_batch: int) -> Dict[str, float]:
    pc = time.perf_counter_ns
    for _ in range(max(1, batches // 10) * per_batch):  # warm-up
        f()
    per_call = []
    for _ in range(batches):
        t0 = pc()
        for _ in range(per_batch):
            f()
        per_call.append((pc() - t0) / per_batch)
    return summary(per_call)


def worker_micro(impl: str, config: str, quick: bool) -> Dict[str, Any]:
    client = make_client(impl, config)
    client.headers()  # the first token
    batches, per_batch = (20, 200) if quick else (1000, 1000)
    out: Dict[str, Any] = {
        "cached_headers": batched(client.headers, batches, per_batch),
        "cached_token": batched(client.access_token, batches, per_batch),
    }
    pc = time.perf_counter_ns
    cold_n = 10 if quick else 300
    for _ in range(3 if quick else 20):  # warm-up (connection kept alive by both clients)
        client.clear_cache()
        client.access_token()
    times = []
    for _ in range(cold_n):
        client.clear_cache()
        t0 = pc()
        client.access_token()
        times.append(pc() - t0)
    out["cold_token"] = summary(times)
    return out


def worker_threads(impl: str, config: str, base_url: str, n: int, secs: float, lifetime: int) -> Dict[str, Any]:
    client = make_client(impl, config)
    client.headers()  # the first token
    before = control(base_url, "counters")
    barrier = threading.Barrier(n + 1)
    results: List[array] = []
    seen: set = set()
    errors = [0]
    deadline = [0]

    def reader() -> None:
        lat = array("q")
        pc = time.perf_counter_ns
        read = client.headers
        barrier.wait()
        end = deadline[0]
        while True:
            for _ in range(64):
                t0 = pc()
                try:
                    read()
                except Exception:
                    errors[0] += 1
                lat.append(pc() - t0)
            try:  # which token the readers see (one untimed read per 64)
                seen.add(read()["Authorization"])
            except Exception:
                errors[0] += 1
            if pc() >= end:
                break
        results.append(lat)

    threads = [threading.Thread(target=reader) for _ in range(n)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter_ns() + int(secs * 1e9)
    barrier.wait()
    for t in threads:
        t.join()
    after = control(base_url, "counters")
    all_lat = array("q")
    for a in results:
        all_lat.extend(a)
    lat = sorted(all_lat)
    return {
        "threads": n,
        "token_lifetime_s": lifetime,
        "seconds": secs,
        "reads": len(lat),
        "errors": errors[0],
        "token_requests": after["token_requests"] - before["token_requests"],
        "tokens_issued": after["tokens_issued"] - before["tokens_issued"],
        "distinct_tokens_seen": len(seen),
        "p50_ns": pct(lat, 0.50),
        "p99_ns": pct(lat, 0.99),
        "max_ns": lat[-1] if lat else None,
    }


def worker_rss(impl: str, config: str) -> Dict[str, Any]:
    start = rss_kib()
    if impl == "ours":
        import fiks_integrasjon  # noqa: F401
    else:
        import cryptography.hazmat.primitives.serialization.pkcs12  # noqa: F401
        import jwt  # noqa: F401
        import requests  # noqa: F401
    imported = rss_kib()
    client = make_client(impl, config)
    client.access_token()
    client.headers()
    return {"start_kib": start, "import_kib": imported, "client_kib": rss_kib()}


IMPORT_OURS = "import fiks_integrasjon"
IMPORT_BASELINE = "import jwt, requests, cryptography.hazmat.primitives.serialization.pkcs12"


def import_ms(statement: str, runs: int) -> float:
    code = (
        "import time; t = time.perf_counter()\n"
        f"{statement}\n"
        "print((time.perf_counter() - t) * 1000)"
    )
    ms = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/tmp")
        ms.append(float(r.stdout.strip()))
    return statistics.median(ms)


# ---------------------------------------------------------------- driver

def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def worker_async(config: str, base_url: str, callers: int, delay_ms: int, quick: bool) -> Dict[str, Any]:
    """``callers`` concurrent ``await client.headers_async()`` while the token takes
    ``delay_ms``: the worst lateness of a 10 ms heartbeat on the same loop, the OS threads the
    process gained meanwhile, the token requests; then cached ``headers_async()`` per call."""
    import asyncio

    client = make_client("ours", config)
    client.access_token()  # warm-up: the library thread and the connection exist from here on
    client.clear_cache()
    control(base_url, "token-delay", {"ms": delay_ms})
    before = control(base_url, "counters")["token_requests"]
    pc = time.perf_counter_ns

    async def cold() -> Dict[str, Any]:
        threads_before = os_threads()
        worst_late = [0]
        most_threads = [threads_before]
        done = [False]

        async def heartbeat() -> None:
            while not done[0]:
                t0 = pc()
                await asyncio.sleep(0.01)
                worst_late[0] = max(worst_late[0], pc() - t0 - 10_000_000)
                most_threads[0] = max(most_threads[0], os_threads())

        beat = asyncio.ensure_future(heartbeat())
        await asyncio.sleep(0.05)  # the heartbeat runs before the callers start
        t0 = pc()
        results = await asyncio.gather(*(client.headers_async() for _ in range(callers)))
        all_done = pc() - t0
        done[0] = True
        await beat
        assert len({r["Authorization"] for r in results}) == 1
        return {
            "callers": callers,
            "token_delay_ms": delay_ms,
            "all_done_ms": all_done / 1e6,
            "loop_worst_late_ms": worst_late[0] / 1e6,
            "threads_created": most_threads[0] - threads_before,
        }

    out: Dict[str, Any] = {"async_cold": asyncio.run(cold())}
    out["async_cold"]["token_requests"] = control(base_url, "counters")["token_requests"] - before
    control(base_url, "token-delay", {"ms": 0})

    batches, per_batch = (20, 200) if quick else (300, 1000)

    async def cached() -> Dict[str, float]:
        await client.headers_async()
        for _ in range(per_batch * 5):  # warm-up
            await client.headers_async()
        per_call = []
        for _ in range(batches):
            t0 = pc()
            for _ in range(per_batch):
                await client.headers_async()
            per_call.append((pc() - t0) / per_batch)
        return summary(per_call)

    out["cached_headers_async"] = asyncio.run(cached())
    return out


def run_worker(*args: str) -> Any:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd="/tmp", timeout=900)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        raise SystemExit(f"worker {args} failed ({r.returncode})")
    return json.loads(r.stdout.strip().splitlines()[-1])


def fmt(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", nargs="+")
    ap.add_argument("--mock-json")
    ap.add_argument("--wheel")
    ap.add_argument("--out")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()

    if a.worker:
        kind, *rest = a.worker
        if kind == "micro":
            res = worker_micro(rest[0], rest[1], rest[2] == "1")
        elif kind == "threads":
            res = worker_threads(rest[0], rest[1], rest[2], int(rest[3]), float(rest[4]), int(rest[5]))
        elif kind == "async":
            res = worker_async(rest[0], rest[1], int(rest[2]), int(rest[3]), rest[4] == "1")
        elif kind == "rss":
            res = worker_rss(rest[0], rest[1])
        else:
            raise SystemExit(f"unknown worker {kind}")
        print(json.dumps(res))
        return

    mock = json.loads(Path(a.mock_json).read_text())
    base_url, config = mock["base_url"], mock["config"]
    quick = a.quick
    out: Dict[str, Any] = {"quick": quick, "python": sys.version.split()[0]}

    # 1, 2, 6: cached reads and cold tokens, ours and the baseline, tokens that live an hour.
    for impl in IMPLS:
        control(base_url, "reset")
        control(base_url, "token-lifetime", {"secs": 3600})
        res = worker_micro_checked(impl, config, quick, base_url)
        prefix = "" if impl == "ours" else "baseline_"
        for key, value in res.items():
            out[prefix + key] = value
        print(f"python {impl:8} cached headers {fmt(res['cached_headers']['median_ns'])}  "
              f"cached token {fmt(res['cached_token']['median_ns'])}  cold token {fmt(res['cold_token']['median_ns'])}",
              flush=True)

    # 5: N threads reading headers, steady (tokens live an hour) and while tokens live 1 s.
    secs = 1.5 if quick else 5.0
    ns = [1, 8, 64] if quick else [1, 8, 64, 512]
    for impl in IMPLS:
        rows = []
        for n in ns:
            for lifetime in (3600, 1):
                control(base_url, "reset")
                control(base_url, "token-lifetime", {"secs": lifetime})
                row = run_worker("threads", impl, config, base_url, str(n), str(secs), str(lifetime))
                rows.append(row)
                print(f"python {impl:8} threads={n:<4} life={lifetime:<4} reads={row['reads']:<9} "
                      f"token requests={row['token_requests']:<3} issued={row['tokens_issued']:<3} "
                      f"seen={row['distinct_tokens_seen']:<3} p50 {fmt(row['p50_ns'])} p99 {fmt(row['p99_ns'])} "
                      f"max {fmt(row['max_ns'])}", flush=True)
        out["threads" if impl == "ours" else "baseline_threads"] = rows
    control(base_url, "reset")

    # 9: awaitables: many callers while the token is slow, and the cached read.
    callers, delay_ms = (100, 300) if quick else (1000, 3000)
    control(base_url, "reset")
    control(base_url, "token-lifetime", {"secs": 3600})
    res = run_worker("async", config, base_url, str(callers), str(delay_ms), "1" if quick else "0")
    out.update(res)
    c = res["async_cold"]
    print(f"python async {c['callers']} callers, token after {c['token_delay_ms']} ms: all done {c['all_done_ms']:.0f} ms, "
          f"loop worst late {c['loop_worst_late_ms']:.1f} ms, threads created {c['threads_created']}, "
          f"token requests {c['token_requests']}; cached headers_async {fmt(res['cached_headers_async']['median_ns'])}",
          flush=True)
    control(base_url, "reset")

    # 7: import time, wheel size, RSS.
    runs = 3 if quick else 11
    out["import_ms"] = import_ms(IMPORT_OURS, runs)
    out["baseline_import_ms"] = import_ms(IMPORT_BASELINE, runs)
    print(f"python import fiks_integrasjon {out['import_ms']:.1f} ms; baseline imports {out['baseline_import_ms']:.1f} ms")
    wheel = Path(a.wheel)
    out["wheel_name"] = wheel.name
    out["wheel_bytes"] = wheel.stat().st_size
    control(base_url, "token-lifetime", {"secs": 3600})
    ours = run_worker("rss", "ours", config)
    base = run_worker("rss", "baseline", config)
    out["rss_baseline_kib"] = ours["start_kib"]
    out["rss_import_kib"] = ours["import_kib"]
    out["rss_kib"] = ours["client_kib"]
    out["baseline_rss_kib"] = base["client_kib"]
    print(f"python RSS: interpreter {ours['start_kib']} KiB, +import {ours['import_kib']} KiB, "
          f"+client+token {ours['client_kib']} KiB; baseline client {base['client_kib']} KiB")
    control(base_url, "reset")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")


def worker_micro_checked(impl: str, config: str, quick: bool, base_url: str) -> Dict[str, Any]:
    """The micro worker, checking with the mock that cached reads made no token requests."""
    before = control(base_url, "counters")["token_requests"]
    res = run_worker("micro", impl, config, "1" if quick else "0")
    made = control(base_url, "counters")["token_requests"] - before
    cold = res["cold_token"]["n"] + (3 if quick else 20)
    if made != cold + 1:
        raise SystemExit(f"{impl}: expected {cold + 1} token requests (first + cold), the mock saw {made}")
    return res


if __name__ == "__main__":
    os.environ.pop("FIKS_CONFIG", None)
    main()
