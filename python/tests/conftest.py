"""Fixtures: one fiks-integrasjon-mock per test session, reset before every test.

The mock and its control methods are ``fiks_integrasjon.testing.FiksMock``, the package's own
fixture for users' test suites; its pytest plugin (the ``pytest11`` entry point of the wheel
under test) gives ``fiks_mock``, resets it before every test that uses it, and ``fiks_client``.
Here ``fiks_mock`` is overridden only to run the repository's binary, ``$FIKS_MOCK_BIN`` or
``target/debug/fiks-integrasjon-mock`` (``cargo build -p fiks-integrasjon-mock``), and to
stop the session when it is missing; ``mock`` and ``client`` are the suite's names for them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

import fiks_integrasjon as fiks
from fiks_integrasjon.testing import FiksMock, MockStartError

ROOT = Path(__file__).resolve().parents[2]


class Mock(FiksMock):
    """The package's FiksMock; ``mock.kwargs(...)`` is the suite's short name for ``client_kwargs``."""

    def kwargs(self, **overrides: Any) -> Dict[str, Any]:
        return self.client_kwargs(**overrides)


def mock_binary() -> Path:
    return Path(os.environ.get("FIKS_MOCK_BIN") or ROOT / "target" / "debug" / "fiks-integrasjon-mock")


@pytest.fixture(scope="session")
def fiks_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    try:
        started = Mock(mock_binary(), directory=tmp_path_factory.mktemp("mock"))
    except FileNotFoundError:
        pytest.exit(f"{mock_binary()} is missing: run `cargo build -p fiks-integrasjon-mock` first", returncode=3)
    except MockStartError as e:
        pytest.exit(f"the mock did not start: {e}", returncode=3)
    with started:
        yield started


@pytest.fixture(scope="session")
def mock(fiks_mock: Mock) -> Mock:
    return fiks_mock


@pytest.fixture(autouse=True)
def _no_fiks_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FIKS_<KEY> variable from the caller's environment reaches a test."""
    for name in list(os.environ):
        if name.startswith("FIKS_") and name != "FIKS_MOCK_BIN":
            monkeypatch.delenv(name)


@pytest.fixture
def client(fiks_client: fiks.Client) -> fiks.Client:
    return fiks_client


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
