"""Cost of cached reads through Python: ``client.headers()`` and ``client.access_token()``.

    python python/benches/headers.py fiks.toml [--quick]

Prints nanoseconds per call (best of 5 runs) for each read, and a plain ``dict.copy()`` of
the three headers as the floor a Python call returning a fresh dict cannot beat. Measure
with the release wheel (``maturin build --release``); a dev build is several times slower.
"""

from __future__ import annotations

import sys
import timeit
from typing import Callable, List, Tuple

import fiks_integrasjon as fiks


def main() -> None:
    quick = "--quick" in sys.argv
    client = fiks.Client.from_file(sys.argv[1])
    headers = client.headers()  # fetch the token once
    number = 20_000 if quick else 1_000_000
    cases: List[Tuple[str, Callable[[], object]]] = [
        ("client.headers()", client.headers),
        ("client.access_token()", client.access_token),
        ("client._cached_headers()", client._cached_headers),
        ("dict.copy() of 3 headers (floor)", headers.copy),
    ]
    for name, call in cases:
        best = min(timeit.repeat(call, number=number, repeat=5)) / number
        print(f"{name:34} {best * 1e9:8.0f} ns/call")


if __name__ == "__main__":
    main()
