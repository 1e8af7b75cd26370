"""Fixtures: one fiks-integrasjon-mock per test session, reset before every test.

The mock binary is ``$FIKS_MOCK_BIN`` or ``target/debug/fiks-integrasjon-mock`` in the
repository (``cargo build -p fiks-integrasjon-mock``). It prints one JSON line describing
itself (URLs, the test PKI's files, the integrasjon id and password) and serves until its
standard input closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

import fiks_integrasjon as fiks

ROOT = Path(__file__).resolve().parents[2]


class Mock:
    """A running mock: its description (``mock["token_endpoint"]``) and its control endpoints."""

    def __init__(self, info: Dict[str, Any], process: subprocess.Popen[bytes], log: List[str]) -> None:
        self.info = info
        self.process = process
        self.log = log

    def __getitem__(self, key: str) -> Any:
        return self.info[key]

    def _call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.info["base_url"].rstrip("/") + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            text = resp.read()
        return json.loads(text) if text.strip() else None

    def counters(self) -> Dict[str, int]:
        result: Dict[str, int] = self._call("GET", "/_mock/counters")
        return result

    def reset(self) -> None:
        self._call("POST", "/_mock/reset")

    def fault(self, target: str, *faults: str, times: int = 1) -> None:
        """Queues faults for the next requests to ``target`` (``"token"`` or ``"fiks"``)."""
        self._call("POST", "/_mock/faults", {"target": target, "faults": list(faults), "times": times})

    def revoke_tokens(self) -> None:
        """Forgets every token handed out: the Fiks side answers 401 to them from now on."""
        self._call("POST", "/_mock/revoke-tokens", {})

    def token_delay(self, ms: int) -> None:
        self._call("POST", "/_mock/token-delay", {"ms": ms})

    def token_lifetime(self, secs: int) -> None:
        self._call("POST", "/_mock/token-lifetime", {"secs": secs})

    def kwargs(self, **overrides: Any) -> Dict[str, Any]:
        """Client keyword arguments for Maskinporten mode against this mock."""
        kw: Dict[str, Any] = dict(
            issuer=self.info["issuer"],
            audience=self.info["audience"],
            token_endpoint=self.info["token_endpoint"],
            fiks_base_url=self.info["fiks_base_url"],
            certificate=self.info["p12"],
            certificate_password=self.info["password"],
            integrasjon_id=self.info["integrasjon_id"],
            integrasjon_passord=self.info["integrasjon_passord"],
        )
        kw.update(overrides)
        return kw


def mock_binary() -> Path:
    path = Path(os.environ.get("FIKS_MOCK_BIN", ROOT / "target" / "debug" / "fiks-integrasjon-mock"))
    if not path.exists():
        pytest.exit(f"{path} is missing: run `cargo build -p fiks-integrasjon-mock` first", returncode=3)
    return path


@pytest.fixture(scope="session")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    directory = tmp_path_factory.mktemp("mock")
    process = subprocess.Popen(
        [str(mock_binary()), "--dir", str(directory), "--exit-on-stdin-close"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    log: List[str] = []

    def keep_log() -> None:
        log.extend(line.decode(errors="replace") for line in stderr)

    first_line: List[bytes] = []
    threading.Thread(target=keep_log, daemon=True).start()
    reader = threading.Thread(target=lambda: first_line.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(30)  # the mock prints its description once it listens
    if not first_line or not first_line[0].strip():
        process.kill()
        pytest.exit("the mock did not start:\n" + "".join(log), returncode=3)
    info = json.loads(first_line[0])
    yield Mock(info, process, log)
    assert process.stdin is not None
    process.stdin.close()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(autouse=True)
def _fresh_mock(request: pytest.FixtureRequest) -> None:
    """Every test starts with no faults, no delay and zeroed counters."""
    if "mock" in request.fixturenames:
        request.getfixturevalue("mock").reset()


@pytest.fixture(autouse=True)
def _no_fiks_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FIKS_<KEY> variable from the caller's environment reaches a test."""
    for name in list(os.environ):
        if name.startswith("FIKS_") and name != "FIKS_MOCK_BIN":
            monkeypatch.delenv(name)


@pytest.fixture
def client(mock: Mock) -> Iterator[fiks.Client]:
    with fiks.Client(**mock.kwargs()) as c:
        yield c


#: Every secret the tests hand to the library; none may ever appear in output.
def secrets_of(mock: Mock, *extra: str) -> List[str]:
    return [mock["password"], mock["integrasjon_passord"], *extra]


class Recorder:
    """A tiny HTTP server on another loopback port (another origin than the mock's): it
    records every request's path and headers and answers with ``answer(path)``:
    ``(status, headers)``; 200 with no headers by default."""

    def __init__(self, answer: Optional[Callable[[str], Tuple[int, Dict[str, str]]]] = None) -> None:
        import http.server

        self.seen: List[Tuple[str, Dict[str, str]]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_any(self) -> None:
                recorder.seen.append((self.path, dict(self.headers)))
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                status, headers = answer(self.path) if answer else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = handle_any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def headers(self, index: int) -> Dict[str, str]:
        return self.seen[index][1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Callable[..., Recorder]]:
    """``recorder(answer=None)`` starts a Recorder, stopped after the test."""
    started: List[Recorder] = []

    def start(answer: Optional[Callable[[str], Tuple[int, Dict[str, str]]]] = None) -> Recorder:
        r = Recorder(answer)
        started.append(r)
        return r

    yield start
    for r in started:
        r.close()


#: The names of the Fiks headers, for assertions that none of them arrived somewhere.
FIKS_HEADER_NAMES = {"authorization", "integrasjonid", "integrasjonpassord"}


def fiks_headers_in(headers: Dict[str, str]) -> set:
    return FIKS_HEADER_NAMES & {name.lower() for name in headers}
