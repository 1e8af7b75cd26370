"""The baseline for the Python benchmarks: the same work written the way a careful Python user
would write it without fiks-integrasjon — PyJWT + cryptography + requests.

- The certificate: the PKCS#12 file opened once with cryptography's pkcs12 loader; the private
  key object is kept (PyJWT signs with it directly, no re-parsing), and ``x5c`` is the leaf and
  its intermediates (self-signed roots left out), base64 DER, computed once.
- The grant: PyJWT ``jwt.encode`` RS256 with ``aud``, ``iss``, ``scope``, ``iat``, ``exp`` (100 s)
  and a fresh ``jti``; header ``x5c``.
- The token request: one ``requests.Session`` (keep-alive), form POST to the token endpoint.
- The cache: a dict keyed by scope under a ``threading.Lock``; a token is renewed when less
  than the refresh-ahead margin remains — ``min(30 s, half its usable life)``, the same rule the
  library uses — by the reader that notices, while it holds the lock (double-checked, so one
  request per renewal however many threads ask).

Only the standard library, PyJWT, cryptography and requests are used.
"""

from __future__ import annotations

import base64
import threading
import time
import tomllib
import uuid
from typing import Dict, Tuple

import jwt
import requests
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_AHEAD_S = 30.0


class BaselineClient:
    """Maskinporten tokens and Fiks headers, hand-written."""

    def __init__(self, config_path: str) -> None:
        with open(config_path, "rb") as f:
            cfg = tomllib.load(f)
        self.audience: str = cfg["audience"]
        self.token_endpoint: str = cfg["token_endpoint"]
        self.issuer: str = cfg["issuer"]
        self.scope: str = cfg.get("scopes", "ks:fiks")
        self.integrasjon_id: str = cfg["integrasjon_id"]
        self.integrasjon_passord: str = cfg["integrasjon_passord"]
        with open(cfg["certificate"], "rb") as f:
            key, cert, extra = pkcs12.load_key_and_certificates(
                f.read(), cfg.get("certificate_password", "").encode()
            )
        assert key is not None and cert is not None
        self.key = key
        chain = [cert] + [c for c in (extra or []) if c.subject != c.issuer]
        self.x5c = [base64.b64encode(c.public_bytes(Encoding.DER)).decode() for c in chain]
        self.session = requests.Session()
        self.lock = threading.Lock()
        # scope -> (access token, renew at (monotonic), expires at (monotonic))
        self.cache: Dict[str, Tuple[str, float, float]] = {}
        self.token_requests = 0

    def grant(self) -> str:
        now = int(time.time())
        claims = {
            "aud": self.audience,
            "iss": self.issuer,
            "scope": self.scope,
            "iat": now,
            "exp": now + 100,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"x5c": self.x5c})

    def _fetch(self) -> Tuple[str, float, float]:
        started = time.monotonic()
        self.token_requests += 1
        r = self.session.post(
            self.token_endpoint,
            data={"grant_type": GRANT_TYPE, "assertion": self.grant()},
            timeout=10,
        )
        r.raise_for_status()
        body = r.json()
        life = float(body["expires_in"])
        usable = life - min(life / 10, 2.0)  # never hand out a token about to expire in flight
        ahead = min(REFRESH_AHEAD_S, usable / 2)
        return body["access_token"], started + usable - ahead, started + usable

    def access_token(self) -> str:
        with self.lock:
            entry = self.cache.get(self.scope)
            if entry is None or time.monotonic() >= entry[1]:
                entry = self._fetch()
                self.cache[self.scope] = entry
            return entry[0]

    def headers(self) -> Dict[str, str]:
        return {
            "Authorization": "Bearer " + self.access_token(),
            "IntegrasjonId": self.integrasjon_id,
            "IntegrasjonPassord": self.integrasjon_passord,
        }

    def clear_cache(self) -> None:
        with self.lock:
            self.cache.clear()
