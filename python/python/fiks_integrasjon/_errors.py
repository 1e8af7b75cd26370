"""The exceptions of fiks_integrasjon: one base class, one subclass per kind of failure.

The native layer raises these with every field of the core's error model filled in (the same
fields the C and .NET bindings expose); messages never hold a secret (password, key, access
token, integrasjon password), and the hint is never part of the message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Dict, Iterable, Mapping, Optional, Tuple, TypedDict, Union

from ._headers import Headers

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "FiksError",
    "ConfigError",
    "CertificateError",
    "TokenError",
    "ApiError",
    "TransportError",
    "UsageError",
]

#: What ``response_headers=`` takes: a mapping, ``(name, value)`` pairs, or ``None`` (none).
_HeadersLike = Union[Headers, Mapping[str, str], Iterable[Tuple[str, str]], None]


class _Common(TypedDict, total=False):
    """The keyword arguments every exception class takes (see ``FiksError``)."""

    kind: Optional[str]
    hint: Optional[str]
    config_key: Optional[str]
    transient: bool
    response_headers: _HeadersLike
    retry_after: Optional[float]


#: The fields of the error model every exception carries (and pickles).
_COMMON_FIELDS: Tuple[str, ...] = (
    "kind",
    "hint",
    "problem",
    "config_key",
    "status",
    "transient",
    "response_headers",
    "retry_after",
)


def _rebuild(cls: type, message: str, fields: Dict[str, Any]) -> "FiksError":
    err: FiksError = cls(message, **fields)
    return err


class FiksError(Exception):
    """Base class of every error raised by fiks_integrasjon: the core's one error model.

    - ``str(e)``: what went wrong (never a secret, never the hint);
    - ``kind``: ``"config"``, ``"certificate"``, ``"token"``, ``"api"``, ``"transport"`` or
      ``"usage"``;
    - ``problem``: a stable ``snake_case`` name within the kind for programs to compare, or
      ``None`` (certificate: ``"wrong_password"``, ``"expired"``, ``"signer"``, …; transport: ``"timeout"``,
      ``"connect"``, …; token: ``"maskinporten_refused"``, ``"maskinporten_unavailable"``,
      ``"person_token_provider"``; api: ``"integrasjon_refused"``, ``"redirect"``,
      ``"not_a_fiks_error"``);
    - ``hint``: what to do about it, or ``None``;
    - ``config_key``: the configuration key it is about (``"certificate_password"``, …), or
      ``None``;
    - ``status``: the HTTP status of the answer involved (``None`` when there was none; an
      ``int`` always on ``TokenError`` and ``ApiError``, ``0`` when no answer came);
    - ``transient``: ``True`` when trying again later may succeed (a connect failure, a
      timeout, HTTP 429/500/502/503/504) — the rule the library retries by;
    - ``response_headers``: the answer's headers that matter (``Retry-After``, ``Location``,
      ``WWW-Authenticate``), a case-insensitive ``Headers`` mapping (empty when none);
    - ``retry_after``: the answer's ``Retry-After`` as seconds (``float``), or ``None``.

    Pickling keeps every field.
    """

    _fields: ClassVar[Tuple[str, ...]] = ()
    _default_kind: ClassVar[str] = "fiks"
    kind: str
    hint: Optional[str]
    problem: Optional[str]
    config_key: Optional[str]
    status: Optional[int]
    transient: bool
    response_headers: Headers
    retry_after: Optional[float]

    def __init__(
        self,
        message: str,
        /,
        *,
        kind: Optional[str] = None,
        hint: Optional[str] = None,
        problem: Optional[str] = None,
        config_key: Optional[str] = None,
        status: Optional[int] = None,
        transient: bool = False,
        response_headers: _HeadersLike = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind if kind is not None else type(self)._default_kind
        self.hint = hint
        self.problem = problem
        self.config_key = config_key
        self.status = status
        self.transient = transient
        self.response_headers = response_headers if isinstance(response_headers, Headers) else Headers(response_headers)
        self.retry_after = retry_after

    def __reduce__(self) -> Tuple[Any, ...]:
        fields = {name: getattr(self, name) for name in _COMMON_FIELDS + self._fields}
        return (_rebuild, (type(self), str(self), fields))


class ConfigError(FiksError, ValueError):
    """A configuration key is unknown, missing, malformed or combined wrongly.

    ``key`` (the same as ``config_key``) names the offending key when there is one.
    """

    _fields = ("key",)
    _default_kind = "config"
    key: Optional[str]

    def __init__(
        self,
        message: str,
        /,
        *,
        key: Optional[str] = None,
        problem: Optional[str] = None,
        status: Optional[int] = None,
        **common: Unpack[_Common],
    ) -> None:
        if common.get("config_key") is None:
            common["config_key"] = key
        super().__init__(message, problem=problem, status=status, **common)
        self.key = key if key is not None else self.config_key


class CertificateError(FiksError):
    """The certificate or key could not be read, does not match, or is not valid now.

    ``problem`` is one of ``"unreadable"``, ``"not_a_certificate"``, ``"wrong_password"``,
    ``"key_mismatch"``, ``"expired"``, ``"not_yet_valid"``, ``"self_signed"``,
    ``"unsupported_key"``, ``"missing"``, ``"signer"``; ``config_key`` is ``"certificate"``,
    ``"private_key"``, ``"certificate_password"`` or ``"signer"``. Raised before any network
    call, except ``"signer"``: the external signer (``Client(signer=...)``) raised, returned no
    bytes, gave no signature within ``timeout_seconds``, or gave one that does not verify with
    the certificate's public key — raised by the token fetch, with what the signer raised as
    ``__cause__`` (its type and message are in the message).
    """

    _default_kind = "certificate"
    problem: str

    def __init__(
        self,
        message: str,
        /,
        *,
        problem: Optional[str] = "other",
        status: Optional[int] = None,
        **common: Unpack[_Common],
    ) -> None:
        super().__init__(message, problem=problem if problem is not None else "other", status=status, **common)


class TokenError(FiksError):
    """Maskinporten refused the grant: the OAuth ``error`` and ``error_description``.

    ``status`` is the HTTP status; ``mp_code`` the Maskinporten code (``"MP-110"``, …) found
    in the description; ``problem`` is ``"maskinporten_refused"``, or
    ``"maskinporten_unavailable"`` for a 429/5xx (``transient``). In integrasjon-person mode,
    a ``person_token`` callable that raised gives a ``TokenError`` with ``problem`` and
    ``error`` ``"person_token_provider"`` and ``status`` ``0`` (Maskinporten was not asked),
    whose ``__cause__`` is what it raised.

    ``is_authorization_details`` is ``True`` when Maskinporten refused the request's
    ``authorization_details`` (``MP-301`` unknown type, ``MP-302`` unknown field, ``MP-303`` bad
    value or no such systembruker or consent); ``is_time_refusal`` is ``True`` when it refused
    the grant's time claims (what a wrong clock on this machine causes). Both are the core's
    verdicts, not derived here.
    """

    _fields = ("error", "description", "error_uri", "mp_code", "is_authorization_details", "is_time_refusal")
    _default_kind = "token"
    status: int
    error: str
    description: Optional[str]
    error_uri: Optional[str]
    mp_code: Optional[str]
    is_authorization_details: bool
    is_time_refusal: bool

    def __init__(
        self,
        message: str,
        /,
        *,
        status: Optional[int] = 0,
        error: str = "",
        description: Optional[str] = None,
        error_uri: Optional[str] = None,
        mp_code: Optional[str] = None,
        is_authorization_details: bool = False,
        is_time_refusal: bool = False,
        problem: Optional[str] = None,
        **common: Unpack[_Common],
    ) -> None:
        super().__init__(message, problem=problem, status=status if status is not None else 0, **common)
        self.error = error
        self.description = description
        self.error_uri = error_uri
        self.mp_code = mp_code
        self.is_authorization_details = is_authorization_details
        self.is_time_refusal = is_time_refusal


class ApiError(FiksError):
    """A Fiks API answered with a status that is not 2xx.

    The fields of the Fiks error body are attributes (``None`` when the body lacked them or
    was not a Fiks error body at all, ``problem == "not_a_fiks_error"``): ``error_id`` (quote
    it to KS support), ``error_code``, ``error_json`` (decoded to Python objects, also when
    Fiks sent it as a JSON string), ``message``, ``path``, ``original_path``, ``timestamp``
    (milliseconds since the epoch), ``error`` (the reason phrase). ``extra`` holds fields this
    version does not know; ``body`` is the raw answer (at most its first 1 MiB:
    ``body_truncated`` is ``True`` when the answer was longer and the rest was not read). ``integrasjon_refused`` is ``True``
    (``problem == "integrasjon_refused"``) for a ``401`` to a token fetched because of an
    earlier ``401``: Fiks refuses the integrasjon (check
    ``integrasjon_id``/``integrasjon_passord``), so no further token is fetched for it.
    ``person_token`` is ``True`` when the request carried a citizen's ID-porten token
    (integrasjon-person mode). A redirect (never followed) has ``problem == "redirect"`` and
    its target in ``response_headers["Location"]``.
    """

    _fields = (
        "error_id",
        "error_code",
        "error_json",
        "message",
        "path",
        "original_path",
        "timestamp",
        "error",
        "extra",
        "body",
        "body_truncated",
        "integrasjon_refused",
        "person_token",
    )
    _default_kind = "api"
    status: int
    error_id: Optional[str]
    error_code: Optional[str]
    error_json: Any
    message: Optional[str]
    path: Optional[str]
    original_path: Optional[str]
    timestamp: Optional[int]
    error: Optional[str]
    extra: Dict[str, Any]
    body: bytes
    body_truncated: bool
    integrasjon_refused: bool
    person_token: bool

    def __init__(
        self,
        text: str,
        /,
        *,
        status: Optional[int] = 0,
        error_id: Optional[str] = None,
        error_code: Optional[str] = None,
        error_json: Any = None,
        message: Optional[str] = None,
        path: Optional[str] = None,
        original_path: Optional[str] = None,
        timestamp: Optional[int] = None,
        error: Optional[str] = None,
        extra: Optional[Dict[str, Any]] = None,
        body: bytes = b"",
        body_truncated: bool = False,
        integrasjon_refused: bool = False,
        person_token: bool = False,
        problem: Optional[str] = None,
        **common: Unpack[_Common],
    ) -> None:
        super().__init__(text, problem=problem, status=status if status is not None else 0, **common)
        self.error_id = error_id
        self.error_code = error_code
        self.error_json = error_json
        self.message = message
        self.path = path
        self.original_path = original_path
        self.timestamp = timestamp
        self.error = error
        self.extra = extra if extra is not None else {}
        self.body = body
        self.body_truncated = body_truncated
        self.integrasjon_refused = integrasjon_refused
        self.person_token = person_token


class TransportError(FiksError):
    """Connecting, TLS, a timeout, or an answer that could not be read.

    ``problem`` is ``"timeout"``, ``"connect"``, ``"tls"``, ``"invalid_response"`` or
    ``"other"``; ``status`` is the HTTP status when the failure was an unusable answer.
    """

    _default_kind = "transport"
    problem: str

    def __init__(
        self,
        message: str,
        /,
        *,
        problem: Optional[str] = "other",
        status: Optional[int] = None,
        **common: Unpack[_Common],
    ) -> None:
        super().__init__(message, problem=problem if problem is not None else "other", status=status, **common)


class UsageError(FiksError):
    """The client was used in a way it cannot serve: after ``close()``, with a header that is
    not valid HTTP, or to send the Fiks headers to a URL they may not go to."""

    _default_kind = "usage"

    def __init__(
        self,
        message: str,
        /,
        *,
        problem: Optional[str] = None,
        status: Optional[int] = None,
        **common: Unpack[_Common],
    ) -> None:
        super().__init__(message, problem=problem, status=status, **common)


class CancelledError(FiksError):
    """A call that ended before its answer: cancelled by its caller, or the client was closed
    while it was pending.

    ``problem`` is ``"cancelled"`` or ``"client_closed"``. Not raised by the blocking methods.
    """

    _default_kind = "cancelled"

    def __init__(
        self,
        message: str,
        /,
        *,
        problem: Optional[str] = "cancelled",
        status: Optional[int] = None,
        **common: Unpack[_Common],
    ) -> None:
        super().__init__(message, problem=problem if problem is not None else "cancelled", status=status, **common)
