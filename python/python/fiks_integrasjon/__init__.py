"""fiks_integrasjon: act as an *integrasjon* on the KS Fiks-platform.

Gets Maskinporten access tokens with a virksomhetssertifikat, keeps them cached and fresh,
adds the Fiks headers (``Authorization: Bearer``, ``IntegrasjonId``, ``IntegrasjonPassord``),
calls Fiks REST APIs and raises their errors as typed exceptions.

>>> import fiks_integrasjon as fiks
>>> client = fiks.Client.from_file("fiks.toml")          # doctest: +SKIP
>>> client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "byggesak"}).json()  # doctest: +SKIP

A client is safe to share between threads, releases the GIL whenever it waits (Ctrl-C
interrupts a wait on the main thread), works in children made by ``os.fork()`` (the core
rebuilds its runtime there on first use), and logs to the ``logging`` logger
``fiks_integrasjon`` (never a secret). ``CONFIG_KEYS`` is the core's table of configuration
keys, with their kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._auth import RequestsAuth
from ._errors import (
    ApiError,
    CancelledError,
    CertificateError,
    ConfigError,
    FiksError,
    TokenError,
    TransportError,
    UsageError,
)
from ._headers import Headers
from ._native import (
    CONFIG_KEYS,
    AuthorizationDetails,
    CertificateInfo,
    Client,
    ConfigKey,
    FiksIoCredentials,
    Response,
    Token,
    __version__,
    parse_error,
)

if TYPE_CHECKING:
    from ._httpx import HttpxAuth

__all__ = [
    "Client",
    "Response",
    "Token",
    "FiksIoCredentials",
    "CertificateInfo",
    "AuthorizationDetails",
    "Headers",
    "RequestsAuth",
    "HttpxAuth",
    "parse_error",
    "CONFIG_KEYS",
    "ConfigKey",
    "FiksError",
    "ConfigError",
    "CertificateError",
    "TokenError",
    "ApiError",
    "TransportError",
    "UsageError",
    "CancelledError",
    "__version__",
]

# Every public class and function reports this package as its module, so tracebacks, reprs
# and pickles show ``fiks_integrasjon.ApiError``, not the private module that defines it (the
# native classes say so themselves: ``#[pyclass(module = "fiks_integrasjon")]``).
for _public in (
    RequestsAuth,
    Headers,
    FiksError,
    ConfigError,
    CertificateError,
    TokenError,
    ApiError,
    TransportError,
    UsageError,
    CancelledError,
    parse_error,
):
    _public.__module__ = __name__
del _public


if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """``HttpxAuth`` is imported on first use: only then is ``httpx`` needed."""
        if name != "HttpxAuth":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        try:
            from ._httpx import HttpxAuth
        except ImportError as e:
            missing = e

            class HttpxAuth:
                """Needs ``httpx`` (``pip install httpx``), which is not installed."""

                def __init__(self, *args: object, **kwargs: object) -> None:
                    raise ImportError("fiks_integrasjon.HttpxAuth needs httpx: pip install httpx") from missing

        HttpxAuth.__module__ = __name__
        globals()["HttpxAuth"] = HttpxAuth
        return HttpxAuth
