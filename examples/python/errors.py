"""Prints every field of the error model for each failure it is given.

    python examples/python/errors.py NAME CONFIG.toml PATH [NAME CONFIG.toml PATH ...]

For each triple: builds a client from CONFIG.toml, sends GET PATH, and prints ``ok <status>``
or the error's kind, problem, HTTP status, config key, OAuth error, MP code, errorId,
Retry-After, transience, hint and message (``-`` when absent). The C program
examples/c/errors.c and the .NET program examples/dotnet/errors print the same lines;
scripts/check-error-parity diffs the three. Set FIKS_LOG=info (or debug) to see the library's
log lines on stderr through the ``fiks_integrasjon`` logger.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Optional

import fiks_integrasjon as fiks


def dash(value: Optional[object]) -> str:
    return "-" if value is None else str(value)


def print_error(e: fiks.FiksError) -> None:
    token = e if isinstance(e, fiks.TokenError) else None
    api = e if isinstance(e, fiks.ApiError) else None
    print("kind:", e.kind)
    print("problem:", dash(e.problem))
    print("http_status:", e.status or 0)
    print("config_key:", dash(e.config_key))
    print("oauth_error:", dash(token.error if token else None))
    print("mp_code:", dash(token.mp_code if token else None))
    print("error_id:", dash(api.error_id if api else None))
    print("retry_after:", dash(e.response_headers.get("Retry-After")))
    print("transient:", "true" if e.transient else "false")
    print("hint:", dash(e.hint))
    print("message:", e)


def run(config: str, path: str) -> None:
    try:
        with fiks.Client.from_file(config) as client:
            print("ok", client.request("GET", path).status)
    except fiks.FiksError as e:
        print_error(e)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or len(argv) % 3 != 0:
        print(f"usage: {sys.argv[0]} NAME CONFIG.toml PATH [NAME CONFIG.toml PATH ...]", file=sys.stderr)
        return 2
    level = os.environ.get("FIKS_LOG")
    if level:
        logging.basicConfig(stream=sys.stderr, format="[%(levelname)s %(name)s] %(message)s")
        logging.getLogger("fiks_integrasjon").setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    for i in range(0, len(argv), 3):
        print("==", argv[i])
        run(argv[i + 1], argv[i + 2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
