"""FiksMock: one running fiks-integrasjon-mock process and its control endpoints."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type, Union

from .._native import Client

#: The environment variable that names the mock program explicitly.
ENV_VAR = "FIKS_MOCK_BIN"
PROGRAM = "fiks-integrasjon-mock"
INSTALL_HINT = 'pip install "fiks-integrasjon[testing]"'

PathLike = Union[str, "os.PathLike[str]"]


class MockStartError(RuntimeError):
    """The mock program ran but did not become ready (its standard error is in the message)."""


def mock_binary(binary: Optional[PathLike] = None) -> Path:
    """The mock program to run: ``binary`` when given; else ``$FIKS_MOCK_BIN``; else the one
    the ``fiks-integrasjon-mock`` wheel installed (``fiks_integrasjon_mock.binary()``); else
    ``fiks-integrasjon-mock`` on ``PATH``.

    Raises ``FileNotFoundError`` when an explicit path (argument or variable) does not exist,
    or when none is found (with the install line, ``pip install "fiks-integrasjon[testing]"``).
    """
    for explicit, origin in ((binary, "binary="), (os.environ.get(ENV_VAR) or None, f"${ENV_VAR}")):
        if explicit is not None:
            path = Path(explicit)
            if not path.is_file():
                raise FileNotFoundError(f"{origin} names {str(path)!r}, which is not a file")
            return path
    try:
        # Imported by name: the wheel is an optional dependency (the `testing` extra).
        installed = importlib.import_module("fiks_integrasjon_mock")
    except ImportError:
        pass
    else:
        try:
            return Path(installed.binary())
        except FileNotFoundError:
            pass  # the package without its program (a broken install): try PATH
    found = shutil.which(PROGRAM)
    if found:
        return Path(found)
    raise FileNotFoundError(
        f"the {PROGRAM} program is not installed: {INSTALL_HINT} "
        f"(or set {ENV_VAR} to its path, or pass binary=)"
    )


class FiksMock:
    """A running strict local Maskinporten + Fiks API (``fiks-integrasjon-mock``) for tests.

    Starts the program (see :func:`mock_binary` for which) writing its test PKI and a ready
    ``fiks.toml`` into ``directory`` (default: a new temporary directory, removed by
    :meth:`close`), and waits at most ``start_timeout`` seconds for it to listen. ``args`` are
    extra command-line options (``["--tls"]``, ``["--token-lifetime", "5"]``; see
    ``fiks-integrasjon-mock --help``). The program's standard input is a pipe this object
    holds, so it stops when :meth:`close` runs or this process ends, however it ends.

    >>> with FiksMock() as mock:                          # doctest: +SKIP
    ...     client = mock.client()
    ...     mock.fault("token", "503")                     # the next token request fails
    ...     client.access_token()                          # ... and is retried
    ...     mock.counters()["token_requests"]
    2
    """

    def __init__(
        self,
        binary: Optional[PathLike] = None,
        *,
        directory: Optional[PathLike] = None,
        args: Sequence[str] = (),
        start_timeout: float = 30.0,
    ) -> None:
        self.binary: Path = mock_binary(binary)
        self._own_directory = directory is None
        self.directory: Path = Path(tempfile.mkdtemp(prefix="fiks-mock-") if directory is None else directory)
        self.info: Dict[str, Any] = {}
        self._log: List[str] = []
        self._readers: List[threading.Thread] = []
        self._closed = False
        try:
            self.process: subprocess.Popen[bytes] = subprocess.Popen(
                [str(self.binary), "--dir", str(self.directory), "--exit-on-stdin-close", *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except BaseException:
            self._remove_directory()
            raise
        try:
            self.info = self._wait_until_ready(start_timeout)
        except BaseException:
            self.close()
            raise

    def _wait_until_ready(self, timeout: float) -> Dict[str, Any]:
        stdout, stderr = self.process.stdout, self.process.stderr
        assert stdout is not None and stderr is not None
        first: List[bytes] = []
        ready = threading.Event()

        def read_stdout() -> None:
            first.append(stdout.readline())
            ready.set()
            for line in stdout:  # nothing more is expected; keep the pipe from filling
                self._log.append(line.decode(errors="replace"))

        def read_stderr() -> None:
            for line in stderr:
                self._log.append(line.decode(errors="replace"))

        for name, target in (("stdout", read_stdout), ("stderr", read_stderr)):
            reader = threading.Thread(target=target, name=f"fiks-mock-{name}", daemon=True)
            reader.start()
            self._readers.append(reader)
        ready.wait(timeout)  # the mock prints its JSON line once it listens
        line = first[0].strip() if first else b""
        if not line:
            try:
                status = self.process.wait(1 if first else 0.001)
                what = f"exited with status {status}"
            except subprocess.TimeoutExpired:
                what = f"printed nothing within {timeout:g} s"
            raise MockStartError(f"{self.binary} {what}:\n{self._stop(kill=True)}".rstrip())
        try:
            info: Dict[str, Any] = json.loads(line)
        except ValueError:
            raise MockStartError(f"{self.binary} printed {line[:200]!r}, not its JSON description") from None
        return info

    # ---- what it is ------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        """A value of the mock's JSON description: ``mock["token_endpoint"]``, ``mock["p12"]``."""
        return self.info[key]

    @property
    def config_path(self) -> Path:
        """The ready ``fiks.toml`` for this mock (``fiks_integrasjon.Client.from_file``)."""
        return Path(self.info["config"])

    @property
    def log(self) -> str:
        """What the program wrote to standard error so far (``args=["--verbose"]`` logs every request)."""
        return "".join(self._log)

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"pid {self.process.pid}"
        return f"<FiksMock {self.info.get('base_url', '?')} ({state})>"

    # ---- clients ---------------------------------------------------------------------------

    def client_kwargs(self, **overrides: Any) -> Dict[str, Any]:
        """Keyword arguments of :class:`fiks_integrasjon.Client` for Maskinporten mode against
        this mock (its issuer, audience, token endpoint, Fiks base URL, test certificate and
        integrasjon), with ``overrides`` on top."""
        kwargs: Dict[str, Any] = dict(
            issuer=self.info["issuer"],
            audience=self.info["audience"],
            token_endpoint=self.info["token_endpoint"],
            fiks_base_url=self.info["fiks_base_url"],
            certificate=self.info["p12"],
            certificate_password=self.info["password"],
            integrasjon_id=self.info["integrasjon_id"],
            integrasjon_passord=self.info["integrasjon_passord"],
        )
        if self.info.get("svarut_base_url"):
            kwargs["services"] = {"svarut": self.info["svarut_base_url"]}
        kwargs.update(overrides)
        return kwargs

    # ---- many integrasjoner, a second service, citizens --------------------------------------

    @property
    def svarut_base_url(self) -> str:
        """The base URL of the mock's second service host (standing in for SvarUt): the same
        Fiks API and tokens on another port. :meth:`client` names it ``svarut``."""
        url: str = self.info["svarut_base_url"]
        return url

    @staticmethod
    def integrasjon(i: int) -> Tuple[str, str]:
        """The id and password of the mock's extra integrasjon ``i`` (1 to 100 are accepted
        from the start; register more with :meth:`register_integrasjoner`): what a vendor's
        municipality ``i`` would have created in Fiks-konfigurasjon."""
        return f"00000000-0000-4000-8000-{i:012d}", f"mock-passord-{i}"

    def register_integrasjoner(self, integrasjoner: Iterable[Tuple[str, str]]) -> None:
        """Makes the mock accept these ``(integrasjon_id, integrasjon_passord)`` pairs too
        (until :meth:`reset`)."""
        body = [{"id": i, "passord": p} for i, p in integrasjoner]
        self._call("POST", "/_mock/integrasjoner", body)

    def register_person_tokens(self, tokens: Iterable[str]) -> None:
        """Makes the mock's Fiks side accept these citizens' ID-porten tokens (until
        :meth:`reset`), for clients made with ``Client.as_person(token)``."""
        self._call("POST", "/_mock/person-tokens", {"tokens": list(tokens)})

    def client(self, **overrides: Any) -> Client:
        """A new :class:`fiks_integrasjon.Client` for this mock (close it, or use ``with``)."""
        return Client(**self.client_kwargs(**overrides))

    # ---- control ---------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Union[Dict[str, Any], List[Any], None] = None) -> Any:
        if self._closed:
            raise RuntimeError("this FiksMock is closed")
        import urllib.error  # here, not at the top: the pytest plugin's import stays cheap
        import urllib.request

        request = urllib.request.Request(
            self.info["base_url"].rstrip("/") + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"content-type": "application/json"},
        )
        # Straight to the loopback port, never through an HTTP proxy from the environment.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                text = response.read()
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            try:
                detail = json.loads(detail)["error"]
            except (ValueError, KeyError, TypeError):
                pass
            raise ValueError(f"the mock refused {method} {path}: {detail}") from None
        return json.loads(text) if text.strip() else None

    def counters(self) -> Dict[str, Any]:
        """What the mock has seen since the last reset: ``token_requests``, ``tokens_issued``,
        ``token_rejections`` (a list), ``token_faults``, ``fiks_requests``, ``fiks_rejections``
        (by HTTP status), ``fiks_faults``, ``last_grant_claims``, …"""
        counters: Dict[str, Any] = self._call("GET", "/_mock/counters")
        return counters

    def reset(self) -> None:
        """No faults, no token delay, the default token lifetime, no clock offset, the metadata's
        token path back to ``/token``, zeroed counters (issued tokens stay valid)."""
        self._call("POST", "/_mock/reset")

    def fault(self, target: str, *faults: str, times: int = 1) -> None:
        """Queues ``faults`` for the next requests to ``target`` (``"token"``: Maskinporten, or
        ``"fiks"``), each for ``times`` requests: ``"503"`` (any status), ``"429"``,
        ``"429:SECS"`` (with Retry-After), ``"delay:2s"``, ``"delay:300ms"``, ``"garbage"``,
        ``"html502"``, ``"drop"``, ``"none"``. An unknown fault is a ``ValueError``."""
        self._call("POST", "/_mock/faults", {"target": target, "faults": list(faults), "times": times})

    def revoke_tokens(self) -> None:
        """Forgets every token handed out: the Fiks side answers 401 to them from now on."""
        self._call("POST", "/_mock/revoke-tokens", {})

    def token_delay(self, ms: int) -> None:
        """Delays every token answer by ``ms`` milliseconds (0: none)."""
        self._call("POST", "/_mock/token-delay", {"ms": ms})

    def token_lifetime(self, secs: int) -> None:
        """The ``expires_in`` of tokens issued from now on."""
        self._call("POST", "/_mock/token-lifetime", {"secs": secs})

    def metadata_token_path(self, path: str) -> str:
        """Makes the mock's authorization server metadata
        (``/.well-known/oauth-authorization-server``, read by clients with ``discovery=True``)
        name ``base_url + path`` as its ``token_endpoint``, served as a token endpoint too
        (until :meth:`reset`). Returns that token endpoint."""
        answer: Dict[str, Any] = self._call("POST", "/_mock/metadata", {"token_path": path})
        endpoint: str = answer["token_endpoint"]
        return endpoint

    # ---- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Stops the program (closing its standard input; killing it after 10 s) and removes
        the directory it was given by default. Safe to call twice."""
        if not self._closed:
            self._stop()

    def _stop(self, kill: bool = False) -> str:
        """Stops the program, closes its pipes and removes the own directory; returns the log."""
        self._closed = True
        if kill:
            self.process.kill()
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:  # they end at the pipes' end of file
            reader.join(5)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()
        self._remove_directory()
        return self.log

    def _remove_directory(self) -> None:
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> FiksMock:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()
