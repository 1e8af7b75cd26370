"""Type stubs of the native module (Rust, pyo3). Import from ``fiks_integrasjon`` instead."""

import datetime
import os
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, Union, final

from typing_extensions import Self

from ._auth import RequestsAuth
from ._errors import ApiError
from ._httpx import HttpxAuth

__all__ = [
    "__version__",
    "CONFIG_KEYS",
    "Client",
    "Token",
    "CertificateInfo",
    "Response",
    "parse_error",
    "_after_fork_in_child",
    "_refresh_logging",
]

__version__: str
CONFIG_KEYS: list[str]

_Path = Union[str, "os.PathLike[str]"]
_Scopes = Union[str, Sequence[str]]
_Seconds = Union[int, float, str]
_Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]]]

@final
class Client:
    """A Fiks integration client: Maskinporten tokens, Fiks headers and Fiks calls.

    Every configuration key is a keyword argument (``None`` means "not given"). Maskinporten
    mode needs ``environment`` (or ``audience``, ``token_endpoint`` and ``fiks_base_url``),
    ``issuer`` and ``certificate``; Fiks calls also need ``integrasjon_id`` and
    ``integrasjon_passord``. Integrasjon-person mode takes ``person_token`` (a string, or a
    callable returning the citizen's current token) instead of the Maskinporten keys.
    """

    def __new__(
        cls,
        *,
        environment: Optional[str] = None,
        issuer: Optional[str] = None,
        scopes: Optional[_Scopes] = None,
        certificate: Optional[Union[_Path, bytes]] = None,
        certificate_password: Optional[str] = None,
        private_key: Optional[_Path] = None,
        key_id: Optional[str] = None,
        audience: Optional[str] = None,
        token_endpoint: Optional[str] = None,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        pid: Optional[str] = None,
        integrasjon_id: Optional[str] = None,
        integrasjon_passord: Optional[str] = None,
        fiks_base_url: Optional[str] = None,
        person_token: Optional[Union[str, Callable[[], str]]] = None,
        ca_file: Optional[_Path] = None,
        timeout_seconds: Optional[_Seconds] = None,
        connect_timeout_seconds: Optional[_Seconds] = None,
        refresh_ahead_seconds: Optional[_Seconds] = None,
        max_retries: Optional[Union[int, str]] = None,
        retry_deadline_seconds: Optional[_Seconds] = None,
    ) -> Self: ...
    @staticmethod
    def from_file(
        path: _Path,
        *,
        environment: Optional[str] = None,
        issuer: Optional[str] = None,
        scopes: Optional[_Scopes] = None,
        certificate: Optional[Union[_Path, bytes]] = None,
        certificate_password: Optional[str] = None,
        private_key: Optional[_Path] = None,
        key_id: Optional[str] = None,
        audience: Optional[str] = None,
        token_endpoint: Optional[str] = None,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        pid: Optional[str] = None,
        integrasjon_id: Optional[str] = None,
        integrasjon_passord: Optional[str] = None,
        fiks_base_url: Optional[str] = None,
        person_token: Optional[Union[str, Callable[[], str]]] = None,
        ca_file: Optional[_Path] = None,
        timeout_seconds: Optional[_Seconds] = None,
        connect_timeout_seconds: Optional[_Seconds] = None,
        refresh_ahead_seconds: Optional[_Seconds] = None,
        max_retries: Optional[Union[int, str]] = None,
        retry_deadline_seconds: Optional[_Seconds] = None,
    ) -> Client:
        """A client configured by a TOML file, then ``FIKS_<KEY>`` variables, then keyword arguments."""
    @staticmethod
    def from_env(
        *,
        environment: Optional[str] = None,
        issuer: Optional[str] = None,
        scopes: Optional[_Scopes] = None,
        certificate: Optional[Union[_Path, bytes]] = None,
        certificate_password: Optional[str] = None,
        private_key: Optional[_Path] = None,
        key_id: Optional[str] = None,
        audience: Optional[str] = None,
        token_endpoint: Optional[str] = None,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        pid: Optional[str] = None,
        integrasjon_id: Optional[str] = None,
        integrasjon_passord: Optional[str] = None,
        fiks_base_url: Optional[str] = None,
        person_token: Optional[Union[str, Callable[[], str]]] = None,
        ca_file: Optional[_Path] = None,
        timeout_seconds: Optional[_Seconds] = None,
        connect_timeout_seconds: Optional[_Seconds] = None,
        refresh_ahead_seconds: Optional[_Seconds] = None,
        max_retries: Optional[Union[int, str]] = None,
        retry_deadline_seconds: Optional[_Seconds] = None,
    ) -> Client:
        """A client configured by ``FIKS_<KEY>`` variables (over the TOML file ``FIKS_CONFIG``
        names, when set), then keyword arguments."""
    def access_token(self, scopes: Optional[_Scopes] = None) -> str:
        """The access token for the configured scopes (or ``scopes``), cached while fresh."""
    def token(self, scopes: Optional[_Scopes] = None) -> Token:
        """The access token with its metadata."""
    def headers(self) -> dict[str, str]:
        """The Fiks headers: ``Authorization``, ``IntegrasjonId``, ``IntegrasjonPassord``."""
    def _cached_headers(self) -> Optional[dict[str, str]]: ...
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Optional[Union[bytes, bytearray, str]] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Response:
        """Sends a request to the Fiks API (``path`` is joined to ``fiks_base_url``).

        Returns the 2xx ``Response``; raises ``ApiError`` for any other status.
        """
    def get(
        self,
        path: str,
        *,
        json: Any = None,
        data: Optional[Union[bytes, bytearray, str]] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Response: ...
    def post(
        self,
        path: str,
        *,
        json: Any = None,
        data: Optional[Union[bytes, bytearray, str]] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Response: ...
    def put(
        self,
        path: str,
        *,
        json: Any = None,
        data: Optional[Union[bytes, bytearray, str]] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Response: ...
    def delete(
        self,
        path: str,
        *,
        json: Any = None,
        data: Optional[Union[bytes, bytearray, str]] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
    ) -> Response: ...
    def requests_auth(self) -> RequestsAuth:
        """An auth object for ``requests``: ``requests.get(url, auth=client.requests_auth())``."""
    def httpx_auth(self) -> HttpxAuth:
        """An ``httpx.Auth`` for ``httpx.Client`` and ``httpx.AsyncClient``."""
    @property
    def certificate(self) -> Optional[CertificateInfo]:
        """The loaded certificate (``None`` in integrasjon-person mode)."""
    @property
    def config(self) -> dict[str, str]:
        """Every configuration key with a printable value; secrets are ``<redacted>``."""
    @property
    def fiks_base_url(self) -> str:
        """The Fiks API base URL (ending in ``/``), to join paths to for ``requests``/``httpx``."""
    @property
    def mode(self) -> str:
        """``"maskinporten"`` or ``"person"``."""
    def stats(self) -> dict[str, int]:
        """``token_requests`` and ``tokens_received`` in this process."""
    def clear_cache(self) -> None:
        """Forgets cached tokens."""
    def close(self) -> None:
        """Stops the runtime thread; later calls raise ``UsageError``."""
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> None: ...

@final
class Response:
    """A 2xx answer from a Fiks API."""

    @property
    def status(self) -> int: ...
    @property
    def ok(self) -> bool: ...
    @property
    def headers(self) -> dict[str, str]:
        """Response headers, names in lower case."""
    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """One header (case-insensitive name), or ``default``."""
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any:
        """The body parsed as JSON."""

@final
class Token:
    """An access token with its metadata; ``repr`` never shows the token."""

    @property
    def access_token(self) -> str: ...
    @property
    def token_type(self) -> str: ...
    @property
    def expires_in(self) -> int: ...
    @property
    def scope(self) -> Optional[str]: ...
    @property
    def expires_at(self) -> datetime.datetime: ...
    @property
    def remaining(self) -> float: ...

@final
class CertificateInfo:
    """The loaded virksomhetssertifikat."""

    @property
    def subject(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def serial(self) -> str: ...
    @property
    def orgnr(self) -> Optional[str]: ...
    @property
    def not_before(self) -> datetime.datetime: ...
    @property
    def not_after(self) -> datetime.datetime: ...
    @property
    def days_left(self) -> int: ...
    @property
    def chain_len(self) -> int: ...
    @property
    def self_signed(self) -> bool: ...

def parse_error(body: Union[bytes, bytearray, str]) -> Optional[ApiError]:
    """The ``ApiError`` a Fiks error body describes, or ``None`` when it is not one."""

def _after_fork_in_child() -> None: ...
def _refresh_logging() -> None: ...
