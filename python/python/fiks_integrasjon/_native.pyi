"""Type stubs of the native module (Rust, pyo3). Import from ``fiks_integrasjon`` instead."""

import datetime
import os
from typing import (
    Any,
    Awaitable,
    Callable,
    Literal,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    TypedDict,
    Union,
    final,
)

from typing_extensions import Self, Unpack

from ._auth import RequestsAuth
from ._errors import ApiError
from ._headers import Headers
from ._httpx import HttpxAuth

__all__ = [
    "__version__",
    "CONFIG_KEYS",
    "ConfigKey",
    "Client",
    "Token",
    "FiksIoCredentials",
    "CertificateInfo",
    "AuthorizationDetails",
    "Response",
    "parse_error",
    "_refresh_logging",
    "_Completions",
    "_Call",
]

__version__: str

@final
class _Completions:
    def __new__(cls, schedule: Callable[[Callable[[], None]], None], drain: Callable[[], None]) -> Self: ...
    def take(self) -> list[Tuple[int, bool, Any]]: ...

@final
class _Call:
    def cancel(self) -> None: ...

@final
class ConfigKey:
    """One configuration key of the core's table."""

    @property
    def name(self) -> str:
        """The keyword argument, the TOML key, and ``FIKS_<NAME>`` in upper case."""
    @property
    def kind(self) -> str:
        """``text``, ``choice``, ``secret``, ``path``, ``credential``, ``url``, ``seconds``,
        ``count``, ``list``, ``digits``, ``uuid`` or ``flag``."""
    @property
    def secret(self) -> bool:
        """Whether the value is a secret (never shown)."""
    @property
    def number(self) -> bool:
        """Whether the value may be given as a number."""
    @property
    def doc(self) -> str: ...
    @property
    def default(self) -> Optional[str]: ...
    @property
    def choices(self) -> Tuple[str, ...]:
        """The values of a ``choice`` key (empty for other kinds)."""
    @property
    def env_var(self) -> str: ...

#: Every configuration key, in the core's order: ``CONFIG_KEYS["timeout_seconds"].kind``.
CONFIG_KEYS: Mapping[str, ConfigKey]

# The Python types each kind of key takes (``None`` = not given). A test checks these
# annotations against the core's table (python/tests/test_config_keys.py).
_Text = Optional[str]
_Secret = Optional[str]
_Url = Optional[str]
_Path = Optional[Union[str, "os.PathLike[str]"]]
_Credential = Optional[Union[str, "os.PathLike[str]"]]
_Seconds = Optional[Union[int, float, str]]
_Count = Optional[Union[int, str]]
_List = Optional[Union[str, Sequence[str]]]
_Flag = Optional[Union[bool, str]]

@final
class AuthorizationDetails:
    """A checked ``authorization_details`` value (Maskinporten's Rich Authorization Requests,
    RFC 9396): an Altinn systembruker or samtykke request. The rules are the core's; a bad
    value raises ``ConfigError`` (``key == "authorization_details"``).

    Equal values compare and hash equal (and share one cached token); ``repr`` shows the types
    and organisations with a consent's ``from`` masked; ``.json`` is the whole value.
    """

    @staticmethod
    def systembruker(orgnr: str, external_ref: Optional[str] = None) -> AuthorizationDetails:
        """A systembruker request for the customer organisation ``orgnr`` (9 digits), with an
        optional ``external_ref`` (when the vendor has several system users for the customer)."""
    @staticmethod
    def samtykke(id: str, from_: str) -> AuthorizationDetails:
        """A samtykke (consent) request: the consent ``id`` (a UUID) given ``from_`` a person
        (11-digit fødselsnummer), an organisation (9-digit orgnr), or the Altinn URN of either."""
    @staticmethod
    def parse(json_text: str) -> AuthorizationDetails:
        """Parses and checks JSON: an array of entries (one object is taken as an array of one)."""
    @property
    def json(self) -> str:
        """The canonical JSON (an array), as it goes into the grant."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> Tuple[Callable[[str], AuthorizationDetails], Tuple[str]]: ...

#: What ``authorization_details`` takes: a checked value, JSON text, or what ``json.dumps``
#: turns into it (a mapping, or a sequence of mappings).
_AuthorizationDetailsLike = Union[AuthorizationDetails, str, Mapping[str, Any], Sequence[Mapping[str, Any]]]

class _PrivateKey(Protocol):
    """A private key that signs as ``cryptography``'s ``RSAPrivateKey`` does."""

    def sign(self, data: bytes, padding: Any, algorithm: Any, /) -> bytes: ...

#: ``signer=``: a ``cryptography`` ``RSAPrivateKey`` (any object with that ``.sign``), or a
#: callable given the grant's signing input that returns its RS256 signature.
_Signer = Union[_PrivateKey, Callable[[bytes], bytes]]

class _Config(TypedDict, total=False):
    """The configuration keys as keyword arguments: ``fiks_integrasjon.CONFIG_KEYS``."""

    environment: Optional[Literal["test", "prod"]]
    issuer: _Text
    scopes: _List
    certificate: Optional[Union[str, "os.PathLike[str]", bytes, bytearray]]
    certificate_password: _Secret
    private_key: _Credential
    key_id: _Text
    audience: _Url
    token_endpoint: _Url
    resource: _List
    consumer_org: _Text
    on_behalf_of: _Text
    pid: _Text
    authorization_details: Optional[_AuthorizationDetailsLike]
    discovery: _Flag
    token_cache: Optional[Literal["memory", "disk"]]
    token_cache_dir: _Path
    integrasjon_id: _Text
    integrasjon_passord: _Secret
    fiks_base_url: _Url
    allowed_origins: _List
    person_token: Optional[Union[str, Callable[[], str]]]
    ca_file: _Path
    timeout_seconds: _Seconds
    connect_timeout_seconds: _Seconds
    refresh_ahead_seconds: _Seconds
    max_retries: _Count
    retry_deadline_seconds: _Seconds
    max_response_bytes: _Count

class _IntegrasjonTable(TypedDict):
    """One named integrasjon given as a mapping."""

    integrasjon_id: str
    integrasjon_passord: str

class _Options(_Config, total=False):
    """The configuration keys, the external signer and the two tables (TOML
    ``[integrasjoner.NAME]``, ``[services]``)."""

    #: Signs the grants with a key kept elsewhere: a ``cryptography`` ``RSAPrivateKey`` or a
    #: callable ``(bytes) -> bytes`` (see ``Client``).
    signer: Optional[_Signer]
    #: Named integrasjoner for ``Client.for_integrasjon_named``: ``{"bergen": (id, passord)}``.
    integrasjoner: Optional[Mapping[str, Union[Tuple[str, str], _IntegrasjonTable]]]
    #: Fiks services by base URL: ``{"svarut": "https://test.svarut.ks.no"}``.
    services: Optional[Mapping[str, str]]

_Params = Union[Mapping[str, Any], Sequence[Tuple[str, Any]]]
#: A part's content: a path (streamed from disk while sending) or bytes.
_FileContent = Union["os.PathLike[str]", bytes, bytearray]
#: A ``files=`` value: content, ``(filename, content)`` or ``(filename, content, content_type)``;
#: in a tuple the content may also be a ``str`` (sent as UTF-8 text).
_FileValue = Union[
    _FileContent,
    Tuple[Optional[str], Union[_FileContent, str]],
    Tuple[Optional[str], Union[_FileContent, str], Optional[str]],
]
_Files = Union[Mapping[str, _FileValue], Sequence[Tuple[str, _FileValue]]]
_Data = Optional[Union[bytes, bytearray, str, Mapping[str, str]]]
_Scopes = Union[str, Sequence[str]]

@final
class Client:
    """A Fiks integration client: Maskinporten tokens, Fiks headers and Fiks calls.

    Every configuration key is a keyword argument (``None`` means "not given"). Maskinporten
    mode needs ``environment`` (or ``audience``, ``token_endpoint`` and ``fiks_base_url``),
    ``issuer`` and ``certificate``; Fiks calls also need ``integrasjon_id`` and
    ``integrasjon_passord``. Integrasjon-person mode takes ``person_token`` (a string, or a
    callable returning the citizen's current token) instead of the Maskinporten keys.

    ``signer=`` signs the grants with a key the library never sees (HSM, smart card, KMS, the
    OS certificate store): a ``cryptography`` ``RSAPrivateKey`` (called as
    ``key.sign(data, padding.PKCS1v15(), hashes.SHA256())``; ``cryptography`` is imported only
    then) or a callable ``(bytes) -> bytes`` returning the RS256 signature of the bytes it is
    given. ``certificate`` is then the certificate chain without its key (a PEM file or text),
    or leave it out and give ``key_id``. The signer runs on a library thread (the caller waits
    with the GIL released), bounded by ``timeout_seconds``; every signature is checked with the
    certificate's key. A failure raises ``CertificateError`` with ``problem == "signer"`` and
    what the signer raised as ``__cause__``. ``config`` and ``repr`` show it as ``<signer>``.

    Two tables: ``integrasjoner={"bergen": (id, passord)}`` names integrasjoner for
    ``for_integrasjon_named``; ``services={"svarut": "https://…"}`` names Fiks services by base
    URL for ``request(..., service=...)`` (the Fiks headers may go to each). The same tables are
    read from a TOML file's ``[integrasjoner.NAME]`` and ``[services]``.

    ``for_integrasjon``, ``for_integrasjon_named`` and ``as_person`` derive clients that share
    this one's certificate, token cache, HTTP pool and runtime thread.
    """

    def __new__(cls, **kwargs: Unpack[_Options]) -> Self: ...
    @staticmethod
    def from_file(path: Union[str, "os.PathLike[str]"], **overrides: Unpack[_Options]) -> Client:
        """A client configured by a TOML file, then ``FIKS_<KEY>`` variables, then keyword arguments."""
    @staticmethod
    def from_env(**overrides: Unpack[_Options]) -> Client:
        """A client configured by ``FIKS_<KEY>`` variables (over the TOML file ``FIKS_CONFIG``
        names, when set), then keyword arguments."""
    def for_integrasjon(self, integrasjon_id: str, integrasjon_passord: str) -> Client:
        """This client speaking as another integrasjon (e.g. one per municipality): a full
        ``Client`` sharing this one's certificate, token cache, HTTP pool and runtime thread, so
        any number of them make one token request per expiry. Never waits. ``ConfigError`` for
        an id that is not a UUID or an empty password."""
    def for_integrasjon_named(self, name: str) -> Client:
        """``for_integrasjon`` with a configured integrasjon (``integrasjoner=`` or TOML
        ``[integrasjoner.NAME]``); ``ConfigError`` listing the names for an unknown one."""
    def as_person(self, person_token: str) -> Client:
        """This client (the same integrasjon) speaking for a citizen: ``Authorization`` carries
        this ID-porten token, no Maskinporten token is asked for. Cheap: make one per request
        (e.g. in a web handler); each sends only its own citizen's token."""
    @property
    def integrasjon_id(self) -> Optional[str]:
        """The ``IntegrasjonId`` this client sends (``None`` when none is configured)."""
    @property
    def is_person(self) -> bool:
        """Whether this client speaks for a citizen (``as_person`` or ``person_token``)."""
    @property
    def services(self) -> dict[str, str]:
        """Every service and its base URL: ``fiks``, the environment's ``svarut``, ``services=``."""
    def fiks_io_credentials(self) -> FiksIoCredentials:
        """The Fiks IO AMQP login of this client's integrasjon (see ``FiksIoCredentials``);
        ``UsageError`` for a citizen's client."""
    def access_token(
        self,
        scopes: Optional[_Scopes] = None,
        *,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        pid: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        authorization_details: Optional[_AuthorizationDetailsLike] = None,
    ) -> str:
        """The access token, cached while fresh: for the configured request, or with these
        options on top of it (``None``: as configured; an empty ``str`` clears a configured
        value). ``scopes`` and ``resource`` are a space-separated ``str`` or a list;
        ``consumer_org`` (9 digits), ``pid`` (11 digits) and ``on_behalf_of`` a ``str``;
        ``authorization_details`` an ``AuthorizationDetails``, JSON text, a mapping or a list
        of mappings. Each combination is its own cached token. The core checks every value:
        ``ConfigError`` before any request."""
    def token(
        self,
        scopes: Optional[_Scopes] = None,
        *,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        pid: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        authorization_details: Optional[_AuthorizationDetailsLike] = None,
    ) -> Token:
        """The access token with its metadata (the same options as ``access_token``)."""
    def headers(self) -> dict[str, str]:
        """The Fiks headers: ``Authorization``, ``IntegrasjonId``, ``IntegrasjonPassord``."""
    def headers_async(self) -> Awaitable[dict[str, str]]:
        """``await``: the Fiks headers without blocking the event loop or using a worker thread
        (asyncio, or trio through anyio); a fresh cached token is returned at once."""
    def access_token_async(
        self,
        scopes: Optional[_Scopes] = None,
        *,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        pid: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        authorization_details: Optional[_AuthorizationDetailsLike] = None,
    ) -> Awaitable[str]:
        """``await``: the access token without blocking the event loop (see ``headers_async``);
        the same options as ``access_token`` (a bad one raises at the call, before awaiting)."""
    def token_async(
        self,
        scopes: Optional[_Scopes] = None,
        *,
        resource: Optional[_Scopes] = None,
        consumer_org: Optional[str] = None,
        pid: Optional[str] = None,
        on_behalf_of: Optional[str] = None,
        authorization_details: Optional[_AuthorizationDetailsLike] = None,
    ) -> Awaitable[Token]:
        """``await``: ``token()`` without blocking the event loop."""
    def request_async(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: _Data = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
        service: Optional[str] = None,
        files: Optional[_Files] = None,
    ) -> Awaitable[Response]:
        """``await``: ``request()`` without blocking the event loop; the same arguments, rules,
        ``Response`` and exceptions. Cancelling the awaiting task cancels the call."""
    def headers_for(self, url: str) -> dict[str, str]:
        """The Fiks headers for a request to ``url``; ``UsageError`` when they may not go there."""
    def may_send_headers(self, url: str) -> bool:
        """Whether the Fiks headers may go to ``url``: under a service's base URL
        (``fiks_base_url``, ``svarut``, ``services=``), or an origin in ``allowed_origins``."""
    def evict_access_token(self, token: str) -> bool:
        """After a ``401`` to ``token`` (an ``Authorization`` value or the bare token): ``True``
        when a retry may get a fresh token, ``False`` when Fiks refuses the integrasjon."""
    def _redirect_keeps_headers(self, url: str, location: str) -> bool: ...
    def _cached_headers(self) -> Optional[dict[str, str]]: ...
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: _Data = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
        service: Optional[str] = None,
        files: Optional[_Files] = None,
    ) -> Response:
        """Sends a request to the Fiks API (``path`` is joined to ``fiks_base_url``, or to the
        base URL of ``service``: ``"svarut"`` or a name of ``services=``).

        Returns the 2xx ``Response``; raises ``ApiError`` for any other status.

        - ``files=`` sends ``multipart/form-data``, as ``requests`` takes it: a mapping
          ``{name: value}`` or a list of ``(name, value)`` pairs (for a name that repeats). A
          value is a ``pathlib.Path`` (streamed from disk while sending, never read whole),
          ``bytes``, or ``(filename, content[, content_type])`` where content may also be a
          ``str``: ``files=[("forsendelse", (None, json.dumps(f), "application/json")),
          ("filer", ("vedtak.pdf", Path("vedtak.pdf"), "application/pdf"))]``. Open file
          objects and bare ``str`` values are refused (``TypeError``: pass a ``Path``);
          ``data=`` may then be a mapping of text fields; ``json=`` is not taken with ``files=``.

        - ``content_type=`` or a ``Content-Type`` in ``headers=`` replaces the body's type
          (one ``Content-Type`` is sent); header names and values are checked (``UsageError``).
        - ``timeout=`` (seconds) bounds the whole call: a token fetch, retries, backoff and
          ``Retry-After`` waits included (default ``retry_deadline_seconds``).
        - Retried: a connection that could not be made, always; a timeout or a 429, 500, 502,
          503 or 504 answer for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE), after a
          backoff with jitter or the server's ``Retry-After``, at most ``max_retries`` times and
          never past the deadline.
        - In Maskinporten mode a 401 renews the token once (at most once per token lifetime); a 401 to the renewed
          token raises ``ApiError`` with ``integrasjon_refused=True``.
        - Ctrl-C (on the main thread) interrupts the wait with ``KeyboardInterrupt`` and
          cancels the call.
        """
    def get(
        self,
        path: str,
        *,
        json: Any = None,
        data: _Data = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
        service: Optional[str] = None,
        files: Optional[_Files] = None,
    ) -> Response: ...
    def post(
        self,
        path: str,
        *,
        json: Any = None,
        data: _Data = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
        service: Optional[str] = None,
        files: Optional[_Files] = None,
    ) -> Response: ...
    def put(
        self,
        path: str,
        *,
        json: Any = None,
        data: _Data = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
        service: Optional[str] = None,
        files: Optional[_Files] = None,
    ) -> Response: ...
    def delete(
        self,
        path: str,
        *,
        json: Any = None,
        data: _Data = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[_Params] = None,
        timeout: Optional[float] = None,
        service: Optional[str] = None,
        files: Optional[_Files] = None,
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
        """Every configuration key with a printable value; secrets are ``<redacted>``, an
        external signer is ``"signer": "<signer>"``."""
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
        """Ends this client's use: later calls on it raise ``UsageError``. Closing a derived
        client never closes its parent, nor the other way round: the runtime thread, token cache
        and HTTP pool they share stop when the last client using them is closed or collected."""
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
    def headers(self) -> Headers:
        """Response headers: a read-only, case-insensitive mapping (``r.headers["Content-Type"]``)."""
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
class FiksIoCredentials:
    """The login of Fiks IO's AMQP broker: ``username`` is the integrasjon id, ``password`` is
    ``IntegrasjonPassord + " " + <Maskinporten token>`` (a secret; ``repr`` never shows it).
    Log in again with fresh credentials before ``renew_at``. With ``pika``::

        creds = client.fiks_io_credentials()
        params = pika.ConnectionParameters(
            host="io.fiks.test.ks.no", port=5671,  # your environment's Fiks IO AMQP host
            ssl_options=pika.SSLOptions(ssl.create_default_context()),
            credentials=pika.PlainCredentials(creds.username, creds.password),
        )
        connection = pika.BlockingConnection(params)
        # before creds.renew_at: reconnect with client.fiks_io_credentials()
    """

    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def expires_at(self) -> datetime.datetime:
        """When the token inside the password expires (aware, UTC)."""
    @property
    def renew_at(self) -> datetime.datetime:
        """When to log in again with fresh credentials (aware, UTC)."""

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

def parse_error(body: Union[bytes, bytearray, str], status: Optional[int] = None) -> Optional[ApiError]:
    """The ``ApiError`` a Fiks error body describes, or ``None`` when it is not one.

    ``status`` is the answer's HTTP status (else the body's own ``status`` is used): only a
    status of 400-599 with the Fiks shape (``errorId``, ``message`` or ``error``) is an error,
    so a 2xx body never is.
    """

def _refresh_logging() -> None: ...
