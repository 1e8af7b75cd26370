"""The measuring half of scripts/chaos (see there): one CLI process per hostile mode."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List, Optional, Tuple

TIMEOUT_S = 5.0
RSS_LIMIT_MIB = 80.0

# (target, fault, command, expected failure): the CLI's --json error names kind and problem.
MODES: List[Tuple[str, str, str, str]] = [
    ("token", "endless", "token", "transport/invalid_response"),
    ("token", "endless_error", "token", "transport/invalid_response"),
    ("token", "trickle", "token", "transport/timeout"),
    ("token", "partial_head", "token", "transport/timeout"),
    ("token", "cut", "token", "transport"),
    ("token", "wrong_content_type", "token", "transport/invalid_response"),
    ("token", "expires_in:0", "token", "transport/invalid_response"),
    ("token", "expires_in:-5", "token", "transport/invalid_response"),
    ("token", "expires_in:1e12", "token", "transport/invalid_response"),
    ("token", "retry_after_date:86400", "token", "token/maskinporten_unavailable"),
    ("token", "redirect", "token", "transport/invalid_response"),
    ("fiks", "endless", "call", "transport/too_large"),
    ("fiks", "big:67108865", "call", "transport/too_large"),
    ("fiks", "endless_error", "call", "api/not_a_fiks_error"),
    ("fiks", "trickle", "call", "transport/timeout"),
    ("fiks", "partial_head", "call", "transport/timeout"),
    ("fiks", "cut", "call", "transport"),
    ("fiks", "retry_after_date:86400", "call", "api"),
    ("fiks", "redirect", "call", "api/redirect"),
]


def control(base: str, target: str, fault: str) -> None:
    body = json.dumps({"target": target, "faults": [fault], "times": 1}).encode()
    req = urllib.request.Request(base + "/_mock/faults", data=body, headers={"content-type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def run(cli: str, config: str, command: str) -> Tuple[float, float, Optional[dict], int]:
    """Runs the CLI once: (peak RSS MiB, seconds, the --json document, exit code)."""
    args = [cli, "--config", config]
    args += ["token"] if command == "token" else ["call", "--json", "GET", "/echo"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIKS_")}
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    doc = None
    if command == "call":
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
    return usage.ru_maxrss / 1024.0, elapsed, doc, proc.returncode


def failure_of(doc: Optional[dict], code: int, command: str) -> str:
    if command == "token":
        return f"exit {code}"
    if not doc or "error" not in doc:
        return f"exit {code}, no error JSON"
    e = doc["error"]
    return f"{e.get('kind')}/{e.get('problem')}" if e.get("problem") else str(e.get("kind"))


def main() -> int:
    cli, mock_json, report, profile, quick = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
    mock = json.load(open(mock_json))
    base = mock["base_url"].rstrip("/")
    config = Path(report).parent / "chaos.toml"
    lines = [l for l in open(mock["config"]).read().splitlines() if not l.startswith(("timeout_seconds", "max_retries", "retry_deadline_seconds"))]
    lines += [f"timeout_seconds = {TIMEOUT_S}", "max_retries = 0", f"retry_deadline_seconds = {TIMEOUT_S}"]
    config.write_text("\n".join(lines) + "\n")
    base_rss = {}
    for command in ("token", "call"):
        rss, secs, doc, code = run(cli, str(config), command)
        if code != 0:
            print(f"chaos: the baseline `{command}` failed (exit {code}): {doc}", file=sys.stderr)
            return 1
        base_rss[command] = rss
    rows = []
    problems = []
    for target, fault, command, expected in MODES:
        control(base, target, fault)
        rss, secs, doc, code = run(cli, str(config), command)
        growth = rss - base_rss[command]
        got = failure_of(doc, code, command)
        ok_kind = code != 0 and (command == "token" or got == expected or got.startswith(expected + "/") or (
            "/" not in expected and got.split("/")[0] == expected))
        ok_rss = growth <= RSS_LIMIT_MIB
        ok_time = secs <= TIMEOUT_S + 1.0
        if not ok_kind:
            problems.append(f"{target}:{fault}: expected {expected}, got {got}")
        if not ok_rss:
            problems.append(f"{target}:{fault}: peak RSS grew {growth:.1f} MiB (limit {RSS_LIMIT_MIB:.0f})")
        if not ok_time and not quick:
            problems.append(f"{target}:{fault}: took {secs:.2f} s (limit {TIMEOUT_S + 1:.0f} s)")
        rows.append((target, fault, command, got, rss, growth, secs, ok_rss and ok_kind, ok_time))
        # Let a mode that holds its connection (trickle, partial head) end before the next.
        time.sleep(0.2)
    out = [
        "# Hostile servers, measured",
        "",
        f"Generated by `scripts/chaos{' --quick' if quick else ''}` ({profile} build of the CLI) on "
        f"{platform.machine()} {platform.system()}, {time.strftime('%Y-%m-%d')}: one `fiks-integrasjon` process per "
        f"mode against the mock with that fault, default caps, `timeout_seconds = {TIMEOUT_S:g}`, no retries. Peak "
        f"RSS is the process's `ru_maxrss`; growth is over a run that succeeds (token {base_rss['token']:.1f} MiB, "
        f"call {base_rss['call']:.1f} MiB). Targets: growth ≤ {RSS_LIMIT_MIB:.0f} MiB, done within the timeout + 1 s.",
        "",
        "| target | fault | command | failure | peak RSS MiB | growth MiB | time s | ok |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    for target, fault, command, got, rss, growth, secs, ok, ok_time in rows:
        mark = "yes" if ok and ok_time else ("slow" if ok else "NO")
        out.append(f"| {target} | `{fault}` | {command} | {got} | {rss:.1f} | {growth:+.1f} | {secs:.2f} | {mark} |")
    out += ["", "The caps: token answers 64 KiB, Fiks error bodies 1 MiB (kept, marked truncated), Fiks answers "
            "`max_response_bytes` (default 64 MiB). Before them, an endless token answer grew the process to "
            "2.9 GB and an endless Fiks error body to 1.9 GB before the timeout ended them (issue 18).", ""]
    report.write_text("\n".join(out))
    print("\n".join(out))
    for p in problems:
        print("chaos:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
