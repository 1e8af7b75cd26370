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

from ._auth import RequestsAuth
from ._errors import (
    ApiError,
    CertificateError,
    ConfigError,
    FiksError,
    TokenError,
    TransportError,
    UsageError,
)
from ._native import CONFIG_KEYS, CertificateInfo, Client, ConfigKey, Response, Token, __version__, parse_error

__all__ = [
    "Client",
    "Response",
    "Token",
    "CertificateInfo",
    "RequestsAuth",
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
    "__version__",
]
