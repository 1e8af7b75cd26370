"""fiks_integrasjon: act as an *integrasjon* on the KS Fiks-platform.

Gets Maskinporten access tokens with a virksomhetssertifikat, keeps them cached and fresh,
adds the Fiks headers (``Authorization: Bearer``, ``IntegrasjonId``, ``IntegrasjonPassord``),
calls Fiks REST APIs and raises their errors as typed exceptions.

>>> import fiks_integrasjon as fiks
>>> client = fiks.Client.from_file("fiks.toml")          # doctest: +SKIP
>>> client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "byggesak"}).json()  # doctest: +SKIP

A client is safe to share between threads, releases the GIL whenever it waits, works in
children made by ``os.fork()`` (it rebuilds its runtime there), and logs to the ``logging``
logger ``fiks_integrasjon`` (never a secret).
"""

from __future__ import annotations

import os

from . import _native
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
from ._native import CONFIG_KEYS, CertificateInfo, Client, Response, Token, __version__, parse_error

__all__ = [
    "Client",
    "Response",
    "Token",
    "CertificateInfo",
    "RequestsAuth",
    "parse_error",
    "CONFIG_KEYS",
    "FiksError",
    "ConfigError",
    "CertificateError",
    "TokenError",
    "ApiError",
    "TransportError",
    "UsageError",
    "__version__",
]

# A forked child (gunicorn, multiprocessing) must not use its parent's runtime thread:
# this hook makes every client rebuild its runtime on first use in the child.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_native._after_fork_in_child)
