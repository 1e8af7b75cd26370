"""The exceptions of fiks_integrasjon: one base class, one subclass per kind of failure.

The native layer raises these with every structured field filled in; messages never hold a
secret (password, key, access token, integrasjon password).
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional, Tuple

__all__ = [
    "FiksError",
    "ConfigError",
    "CertificateError",
    "TokenError",
    "ApiError",
    "TransportError",
    "UsageError",
]


def _rebuild(cls: type, message: str, fields: Dict[str, Any]) -> "FiksError":
    err: FiksError = cls(message, **fields)
    return err


class FiksError(Exception):
    """Base class of every error raised by fiks_integrasjon.

    ``str(e)`` says what went wrong; ``e.hint`` (when set) says what to do about it;
    ``e.kind`` is ``"config"``, ``"certificate"``, ``"token"``, ``"api"``, ``"transport"``
    or ``"usage"``.
    """

    _fields: ClassVar[Tuple[str, ...]] = ()
    _default_kind: ClassVar[str] = "fiks"
    kind: str
    hint: Optional[str]

    def __init__(self, message: str, /, *, kind: Optional[str] = None, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.kind = kind if kind is not None else type(self)._default_kind
        self.hint = hint

    def __reduce__(self) -> Tuple[Any, ...]:
        fields = {name: getattr(self, name) for name in ("kind", "hint") + self._fields}
        return (_rebuild, (type(self), str(self), fields))


class ConfigError(FiksError, ValueError):
    """A configuration key is unknown, missing, malformed or combined wrongly.

    ``key`` names the offending key when there is one.
    """

    _fields = ("key",)
    _default_kind = "config"
    key: Optional[str]

    def __init__(
        self, message: str, /, *, key: Optional[str] = None, kind: Optional[str] = None, hint: Optional[str] = None
    ) -> None:
        super().__init__(message, kind=kind, hint=hint)
        self.key = key


class CertificateError(FiksError):
    """The certificate or key could not be read, does not match, or is not valid now.

    ``problem`` is one of ``"unreadable"``, ``"not_a_certificate"``, ``"wrong_password"``,
    ``"key_mismatch"``, ``"expired"``, ``"not_yet_valid"``, ``"self_signed"``,
    ``"unsupported_key"``, ``"missing"``.
    """

    _fields = ("problem",)
    _default_kind = "certificate"
    problem: str

    def __init__(
        self, message: str, /, *, problem: str = "other", kind: Optional[str] = None, hint: Optional[str] = None
    ) -> None:
        super().__init__(message, kind=kind, hint=hint)
        self.problem = problem


class TokenError(FiksError):
    """Maskinporten refused the grant: the OAuth ``error`` and ``error_description``.

    ``status`` is the HTTP status; ``mp_code`` the Maskinporten code (``"MP-110"``, …) found
    in the description. In integrasjon-person mode, a ``person_token`` callable that raised
    gives a ``TokenError`` (``error == "person_token_provider"``) whose ``__cause__`` is
    what it raised.
    """

    _fields = ("status", "error", "description", "error_uri", "mp_code")
    _default_kind = "token"
    status: int
    error: str
    description: Optional[str]
    error_uri: Optional[str]
    mp_code: Optional[str]

    def __init__(
        self,
        message: str,
        /,
        *,
        status: int = 0,
        error: str = "",
        description: Optional[str] = None,
        error_uri: Optional[str] = None,
        mp_code: Optional[str] = None,
        kind: Optional[str] = None,
        hint: Optional[str] = None,
    ) -> None:
        super().__init__(message, kind=kind, hint=hint)
        self.status = status
        self.error = error
        self.description = description
        self.error_uri = error_uri
        self.mp_code = mp_code


class ApiError(FiksError):
    """A Fiks API answered with a status that is not 2xx.

    The fields of the Fiks error body are attributes (``None`` when the body lacked them or
    was not a Fiks error body at all): ``error_id`` (quote it to KS support), ``error_code``,
    ``error_json`` (decoded to Python objects, also when Fiks sent it as a JSON string),
    ``message``, ``path``, ``original_path``, ``timestamp`` (milliseconds since the epoch),
    ``error`` (the reason phrase). ``extra`` holds fields this version does not know;
    ``body`` is the raw answer. ``integrasjon_refused`` is ``True`` for a ``401`` to a token
    fetched because of an earlier ``401``: Fiks refuses the integrasjon (check
    ``integrasjon_id``/``integrasjon_passord``), so no further token is fetched for it.
    """

    _fields = (
        "status",
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
        "integrasjon_refused",
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
    integrasjon_refused: bool

    def __init__(
        self,
        text: str,
        /,
        *,
        status: int = 0,
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
        integrasjon_refused: bool = False,
        kind: Optional[str] = None,
        hint: Optional[str] = None,
    ) -> None:
        super().__init__(text, kind=kind, hint=hint)
        self.status = status
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
        self.integrasjon_refused = integrasjon_refused


class TransportError(FiksError):
    """Connecting, TLS, a timeout, or an answer that could not be read.

    ``problem`` is ``"timeout"``, ``"connect"``, ``"tls"``, ``"invalid_response"`` or
    ``"other"``; ``status`` is the HTTP status when the failure was an unusable answer.
    """

    _fields = ("problem", "status")
    _default_kind = "transport"
    problem: str
    status: Optional[int]

    def __init__(
        self,
        message: str,
        /,
        *,
        problem: str = "other",
        status: Optional[int] = None,
        kind: Optional[str] = None,
        hint: Optional[str] = None,
    ) -> None:
        super().__init__(message, kind=kind, hint=hint)
        self.problem = problem
        self.status = status


class UsageError(FiksError):
    """The client was used in a way it cannot serve: after ``close()``, with a header that is
    not valid HTTP, or to send the Fiks headers to a URL they may not go to."""

    _default_kind = "usage"
