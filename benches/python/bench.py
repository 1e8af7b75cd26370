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
- one client, many integrasjoner and citizens (section 10): ``for_integrasjon`` for 1,000
  integrasjoner the mock knows (token requests, ``/proc/self/task`` threads and VmRSS from
  before deriving to after every ``headers()``; one echo each to fiks and svarut for the first
  100; per call, batched); 64 threads and 64 asyncio tasks (httpx) × 100 requests, each its
  own citizen, every request carrying ``X-Mock-Expect-Token-Sha256`` so the mock counts any
  other token; a 300 MB ``files=[..., Path]`` upload to ``/echo/multipart`` (peak RSS growth:
  VmHWM after ``/proc/self/clear_refs``, and VmRSS sampled every 10 ms). Quick mode: 200
  integrasjoner, 8 × 10 requests, 30 MB.

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


def control(base_url: str, action: str, body: Any = None) -> Dict[str, Any]:
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


# ---------------------------------------------------------------- 10: one client, many integrasjoner and citizens

def mock_integrasjon(i: int) -> tuple:
    """The mock's i-th extra integrasjon (its ``mock_integrasjon(i)``): id and password."""
    return f"00000000-0000-4000-8000-{i:012}", f"mock-passord-{i}"


def sha256_hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def worker_tenancy_derive(config: str, base_url: str, svarut_url: str, n: int, echo_n: int, quick: bool) -> Dict[str, Any]:
    """``n`` derived clients (``for_integrasjon``, integrasjoner the mock knows) from one client
    that has no token yet: the token requests, OS threads and RSS their first ``headers()``
    cost; one echo to the fiks and the svarut service for each of the first ``echo_n`` (the
    integrasjon and service the mock saw); then ``for_integrasjon`` per call, batched."""
    import gc

    import fiks_integrasjon

    before = control(base_url, "counters")
    client = fiks_integrasjon.Client.from_file(config, services={"svarut": svarut_url})
    ids = [mock_integrasjon(i) for i in range(1, n + 1)]
    derive = client.for_integrasjon

    gc.collect()
    threads0, rss0 = os_threads(), rss_kib()
    kids = [derive(id_, pw) for id_, pw in ids]
    header_mismatches = 0
    for (id_, pw), kid in zip(ids, kids):
        h = kid.headers()
        if (h["IntegrasjonId"], h["IntegrasjonPassord"]) != (id_, pw):
            header_mismatches += 1
    gc.collect()
    threads_added, rss_added = os_threads() - threads0, rss_kib() - rss0

    echo_mismatches = echoes = 0
    for (id_, _), kid in zip(ids[:echo_n], kids):
        for service in ("fiks", "svarut"):
            answer = kid.request("GET", "/echo", service=None if service == "fiks" else service).json()
            echoes += 1
            if answer.get("integrasjon_id") != id_ or answer.get("service") != service:
                echo_mismatches += 1
    threads_added = max(threads_added, os_threads() - threads0)
    token_requests = control(base_url, "counters")["token_requests"] - before["token_requests"]

    # for_integrasjon per call: batches of 100 derivations, kept until the batch is timed
    # (dropping them is not timed).
    pc = time.perf_counter_ns
    per_batch, batches = 100, (10 if quick else 300)
    batch_ids = ids[:per_batch]
    per_call = []
    for b in range(batches + max(1, batches // 10)):
        made: List[Any] = []
        keep = made.append
        t0 = pc()
        for id_, pw in batch_ids:
            keep(derive(id_, pw))
        dt = pc() - t0
        if b >= max(1, batches // 10):  # the first batches are warm-up
            per_call.append(dt / per_batch)
        del made
    return {
        "integrasjoner": n,
        "token_requests": token_requests,
        "threads_added": threads_added,
        "rss_added_kib": rss_added,
        "header_mismatches": header_mismatches,
        "echo_clients": echo_n,
        "echo_requests": echoes,
        "echo_mismatches": echo_mismatches,
        "for_integrasjon": summary(per_call),
    }


def citizen_tokens(n: int) -> List[str]:
    """``n`` distinct made-up ID-porten tokens for one run."""
    return [f"bench-innbygger-{os.getpid()}-{i}-{os.urandom(8).hex()}" for i in range(n)]


def worker_citizens_threads(config: str, base_url: str, threads: int, per: int) -> Dict[str, Any]:
    """``threads`` threads, each its own citizen, ``per`` requests each, every one through a
    fresh ``client.as_person(token)`` (as in a web handler) carrying the SHA-256 of the token it
    should send: the mock counts every token that differs."""
    import fiks_integrasjon

    client = fiks_integrasjon.Client.from_file(config)
    tokens = citizen_tokens(threads)
    control(base_url, "person-tokens", {"tokens": tokens})
    before = control(base_url, "counters")
    barrier = threading.Barrier(threads + 1)
    wrong = [0]
    errors = [0]

    def citizen(token: str) -> None:
        expect = sha256_hex(token)
        headers = {"X-Mock-Expect-Token-Sha256": expect}
        barrier.wait()
        for _ in range(per):
            try:
                answer = client.as_person(token).request("GET", "/echo", headers=headers).json()
                if answer.get("token_sha256") != expect or answer.get("token_matches") is not True:
                    wrong[0] += 1
            except Exception:  # noqa: BLE001 - counted and reported
                errors[0] += 1

    pool = [threading.Thread(target=citizen, args=(t,)) for t in tokens]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter_ns()
    for t in pool:
        t.join()
    wall = time.perf_counter_ns() - t0
    after = control(base_url, "counters")
    return citizens_result(threads, per, wall, before, after, wrong[0], errors[0])


def citizens_result(n: int, per: int, wall_ns: int, before: Dict[str, Any], after: Dict[str, Any],
                    wrong: int, errors: int) -> Dict[str, Any]:
    diff = lambda k: after[k] - before[k]  # noqa: E731
    return {
        "citizens": n,
        "requests_each": per,
        "requests": n * per,
        "wall_ms": wall_ns / 1e6,
        "requests_per_s": n * per / (wall_ns / 1e9),
        "token_mismatches": diff("token_mismatches"),
        "token_matches_checked": diff("token_matches_checked"),
        "token_requests": diff("token_requests"),
        "echo_mismatches": wrong,
        "errors": errors,
    }


def worker_citizens_async(config: str, base_url: str, tasks: int, per: int) -> Dict[str, Any]:
    """``tasks`` asyncio tasks, each its own citizen with its own
    ``httpx.AsyncClient(auth=client.as_person(token).httpx_auth())``, ``per`` requests each
    carrying the SHA-256 of the token it should send. The wall time starts once the httpx
    clients exist."""
    import asyncio

    import httpx

    import fiks_integrasjon

    client = fiks_integrasjon.Client.from_file(config)
    url = client.fiks_base_url + "echo"
    tokens = citizen_tokens(tasks)
    control(base_url, "person-tokens", {"tokens": tokens})
    before = control(base_url, "counters")
    wrong = [0]
    errors = [0]

    async def citizen(token: str, http: Any) -> None:
        expect = sha256_hex(token)
        headers = {"X-Mock-Expect-Token-Sha256": expect}
        async with http:
            for _ in range(per):
                try:
                    r = await http.get(url, headers=headers)
                    answer = r.json()
                    if r.status_code != 200 or answer.get("token_sha256") != expect:
                        wrong[0] += 1
                except Exception:  # noqa: BLE001 - counted and reported
                    errors[0] += 1

    async def main() -> int:
        # The httpx clients are made before the clock starts (each builds an SSL context).
        https = [httpx.AsyncClient(auth=client.as_person(t).httpx_auth(), timeout=60) for t in tokens]
        t0 = time.perf_counter_ns()
        await asyncio.gather(*(citizen(t, h) for t, h in zip(tokens, https)))
        return time.perf_counter_ns() - t0

    wall = asyncio.run(main())
    after = control(base_url, "counters")
    return citizens_result(tasks, per, wall, before, after, wrong[0], errors[0])


def status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field}")


def worker_upload(config: str, big: str, small: str) -> Dict[str, Any]:
    """One ``request(files=[..., Path(big)])`` to the mock's streaming multipart echo: the
    process's peak RSS growth during it (VmHWM after resetting it through
    ``/proc/self/clear_refs``; VmRSS sampled every 10 ms as well, and alone when the reset is
    not permitted), and the sizes the mock received. A call with the small file first, so that
    first-call allocations are not counted."""
    import gc

    import fiks_integrasjon

    client = fiks_integrasjon.Client.from_file(config)
    text = json.dumps({"tittel": "bench upload", "mottaker": {"orgnr": "910000001"}})

    def files(path: str) -> List[Any]:
        return [("forsendelse", (None, text, "application/json")),
                ("filer", ("big.bin", Path(path), "application/octet-stream"))]

    client.request("POST", "/echo/multipart", files=files(small), timeout=600)
    peak = [0]
    stop = threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib())
            stop.wait(0.01)

    sampling = threading.Thread(target=sampler)
    sampling.start()
    time.sleep(0.05)
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        hwm_reset = True
    except OSError:
        hwm_reset = False
    rss0 = rss_kib()
    peak[0] = rss0
    t0 = time.perf_counter_ns()
    answer = client.request("POST", "/echo/multipart", files=files(big), timeout=600)
    wall = time.perf_counter_ns() - t0
    hwm = status_kib("VmHWM")
    stop.set()
    sampling.join()
    peak[0] = max(peak[0], rss_kib())
    parts = answer.json()["parts"]
    part = next(p for p in parts if p["name"] == "filer")
    sampled = peak[0] - rss0
    return {
        "file_bytes": os.path.getsize(big),
        "received_bytes": part["size"],
        "received_sha256": part["sha256"],
        "parts": len(parts),
        "wall_ms": wall / 1e6,
        "mb_per_s": os.path.getsize(big) / 1e6 / (wall / 1e9),
        "rss_before_kib": rss0,
        "hwm_reset": hwm_reset,
        "peak_growth_hwm_kib": (hwm - rss0) if hwm_reset else None,
        "peak_growth_sampled_kib": sampled,
        "peak_growth_kib": (hwm - rss0) if hwm_reset else sampled,
        "method": "VmHWM after clear_refs" if hwm_reset else "VmRSS sampled every 10 ms",
    }


def write_upload_files(directory: str, size: int) -> tuple:
    """The upload's big file (sparse: never held in memory, nor written to disk) and a small
    one, and the SHA-256 of the big one (read in chunks)."""
    import hashlib

    big = os.path.join(directory, "big.bin")
    with open(big, "wb") as f:
        f.truncate(size)
    small = os.path.join(directory, "small.bin")
    with open(small, "wb") as f:
        f.write(os.urandom(64 * 1024))
    h = hashlib.sha256()
    with open(big, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return big, small, h.hexdigest()


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
        elif kind == "tenancy_derive":
            res = worker_tenancy_derive(rest[0], rest[1], rest[2], int(rest[3]), int(rest[4]), rest[5] == "1")
        elif kind == "citizens_threads":
            res = worker_citizens_threads(rest[0], rest[1], int(rest[2]), int(rest[3]))
        elif kind == "citizens_async":
            res = worker_citizens_async(rest[0], rest[1], int(rest[2]), int(rest[3]))
        elif kind == "upload":
            res = worker_upload(rest[0], rest[1], rest[2])
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

    # 10: one client for many integrasjoner and citizens, and a large upload.
    tenancy(out, mock, quick)

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


def tenancy(out: Dict[str, Any], mock: Dict[str, Any], quick: bool) -> None:
    """Section 10: derived integrasjoner, citizens from threads and tasks, a large upload."""
    import shutil
    import tempfile

    base_url, config = mock["base_url"], mock["config"]
    n, echo_n = (200, 20) if quick else (1000, 100)
    control(base_url, "reset")
    control(base_url, "token-lifetime", {"secs": 3600})
    known = int(mock.get("extra_integrasjoner", 100))
    if n > known:
        control(base_url, "integrasjoner",
                [{"id": id_, "passord": pw} for id_, pw in map(mock_integrasjon, range(known + 1, n + 1))])
    res = run_worker("tenancy_derive", config, base_url, mock["svarut_base_url"], str(n), str(echo_n), "1" if quick else "0")
    out["tenancy_derive"] = res
    print(f"python tenancy: {n} integrasjoner from one client: token requests {res['token_requests']}, "
          f"threads added {res['threads_added']}, RSS added {res['rss_added_kib']} KiB, header mismatches "
          f"{res['header_mismatches']}, echo mismatches {res['echo_mismatches']}/{res['echo_requests']}; "
          f"for_integrasjon {fmt(res['for_integrasjon']['median_ns'])}", flush=True)

    for kind, key in (("citizens_threads", "tenancy_citizens_threads"), ("citizens_async", "tenancy_citizens_async")):
        control(base_url, "reset")
        count, per = (8, 10) if quick else (64, 100)
        res = run_worker(kind, config, base_url, str(count), str(per))
        out[key] = res
        print(f"python tenancy: {count} {'threads' if kind.endswith('threads') else 'asyncio tasks'} x {per} "
              f"citizen requests: mock token mismatches {res['token_mismatches']}, checked {res['token_matches_checked']}, "
              f"echo mismatches {res['echo_mismatches']}, errors {res['errors']}, token requests {res['token_requests']}, "
              f"{res['wall_ms']:.0f} ms ({res['requests_per_s']:.0f}/s)", flush=True)

    control(base_url, "reset")
    size = 30_000_000 if quick else 300_000_000
    directory = tempfile.mkdtemp(prefix="fiks-bench-upload-")
    try:
        big, small, sha = write_upload_files(directory, size)
        res = run_worker("upload", config, big, small)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    res["sha256_matches"] = res.pop("received_sha256") == sha
    out["upload_rss"] = res
    print(f"python upload {size / 1e6:.0f} MB (files=[..., Path]): peak RSS growth {res['peak_growth_kib'] / 1024:.1f} MiB "
          f"({res['method']}; sampled {res['peak_growth_sampled_kib'] / 1024:.1f} MiB), received {res['received_bytes']:,} "
          f"bytes, sha256 {'ok' if res['sha256_matches'] else 'DIFFERS'}, {res['wall_ms']:.0f} ms "
          f"({res['mb_per_s']:.0f} MB/s)", flush=True)
    control(base_url, "reset")


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
