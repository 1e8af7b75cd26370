"""One client for many integrasjoner and many citizens, run against the local mock.

    python examples/python/vendor.py mock.json

``mock.json`` is the line ``fiks-integrasjon-mock --dir DIR`` prints (its ``config``,
``base_url`` and ``person_token``). Two parts:

1. vendor: a program serving 100 municipalities holds ONE client and derives one per
   municipality with ``for_integrasjon``; each sends ``GET /echo`` to the ``fiks`` and the
   ``svarut`` service. All 200 calls share one Maskinporten token.
2. citizen: a citizen-facing server derives ``as_person(token)`` in each request's handler;
   each call carries that citizen's token and no other, and none asks Maskinporten.

Exits 1 on any mismatch.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

import fiks_integrasjon as fiks

problems: List[str] = []


def check(ok: bool, what: str) -> None:
    if not ok:
        problems.append(what)
        print("MISMATCH:", what, file=sys.stderr)


def mock_control(base_url: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
    """The mock's control endpoints (tests only; a real program has none of this)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.load(answer)


def municipalities() -> List[Tuple[str, str]]:
    # A real vendor reads its customers' integrasjon ids and passwords from its own database
    # (or names them in fiks.toml as [integrasjoner.NAME] and calls for_integrasjon_named).
    # These are the 100 the mock accepts.
    return [(f"00000000-0000-4000-8000-{i:012}", f"mock-passord-{i}") for i in range(1, 101)]


def vendor(client: fiks.Client) -> int:
    calls = 0
    for integrasjon_id, passord in municipalities():
        with client.for_integrasjon(integrasjon_id, passord) as kommune:  # cheap: no I/O
            for service in ("fiks", "svarut"):
                echo = kommune.request("GET", "/echo", service=service).json()
                check(echo["integrasjon_id"] == integrasjon_id, f"{service} saw {echo['integrasjon_id']}, not {integrasjon_id}")
                check(echo["service"] == service, f"answered by {echo['service']}, not {service}")
                calls += 1
    # The same integrasjon by its name in fiks.toml ([integrasjoner.kommune-1]).
    with client.for_integrasjon_named("kommune-1") as named:
        check(named.integrasjon_id == municipalities()[0][0], f"kommune-1 is {named.integrasjon_id}")
    return calls


def handle_citizen_request(client: fiks.Client, idporten_token: str) -> None:
    """What a web handler does per request: the token comes from the citizen's session."""
    with client.as_person(idporten_token) as citizen:
        echo = citizen.request("GET", "/echo").json()
    check(echo["token_sha256"] == hashlib.sha256(idporten_token.encode()).hexdigest(), "a citizen's call carried another token")
    check(echo["integrasjon_id"] == client.integrasjon_id, f"a citizen's call came from {echo['integrasjon_id']}")


def main(mock_json: str) -> int:
    with open(mock_json, encoding="utf-8") as f:
        mock = json.load(f)
    # Citizens' ID-porten tokens: the mock's default one and three registered for this run.
    tokens = [mock["person_token"]] + [f"innbygger-{n}-{secrets.token_hex(16)}" for n in range(1, 4)]
    mock_control(mock["base_url"], "/_mock/person-tokens", {"tokens": tokens[1:]})
    before = mock_control(mock["base_url"], "/_mock/counters")["token_requests"]

    with fiks.Client.from_file(mock["config"]) as client:  # the program's one client
        calls = vendor(client)
        # A server handles requests on many threads at once; every handler shares the client.
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda t: handle_citizen_request(client, t), tokens * 3))

    token_requests = mock_control(mock["base_url"], "/_mock/counters")["token_requests"] - before
    check(token_requests == 1, f"{token_requests} token requests, expected 1")
    print(f"vendor: {len(municipalities())} municipalities, {calls} calls (fiks and svarut), each echo from its own integrasjon")
    print(f"citizen: {len(tokens) * 3} requests for {len(tokens)} citizens, each echo carrying its own citizen's token")
    print(f"token requests: {token_requests}")
    print("ok" if not problems else f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} mock.json")
    sys.exit(main(sys.argv[1]))
