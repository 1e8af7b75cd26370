"""A tour of the whole Python API, run against the local mock (and checked with mypy --strict).

    python examples/python/tour.py mock.json

``mock.json`` is the line ``fiks-integrasjon-mock --dir DIR`` prints: URLs, the test
certificate's files and password, and a Fiks integrasjon's id and password.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any, Dict, List

import httpx
import requests

import fiks_integrasjon as fiks

log = logging.getLogger("tour")


def maskinporten_mode(mock: Dict[str, Any]) -> fiks.Client:
    client = fiks.Client(
        issuer=mock["issuer"],
        audience=mock["audience"],
        token_endpoint=mock["token_endpoint"],
        fiks_base_url=mock["fiks_base_url"],
        certificate=mock["p12"],
        certificate_password=mock["password"],
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
        scopes=["ks:fiks"],
        timeout_seconds=20,
    )
    print(client)  # the configuration, secrets redacted
    certificate = client.certificate
    if certificate is not None:
        print(f"certificate for {certificate.orgnr}, {certificate.days_left} days left, until {certificate.not_after:%Y-%m-%d}")
    token: str = client.access_token()
    details: fiks.Token = client.token()
    print(f"token of {len(token)} characters, {details.remaining:.0f} s left, scope {details.scope}, expires {details.expires_at}")
    other = client.access_token(scopes="ks:fiks ks:fiks:test")
    assert other != token
    headers: Dict[str, str] = client.headers()
    print("headers:", sorted(headers), "IntegrasjonId", headers["IntegrasjonId"])
    return client


def fiks_calls(client: fiks.Client) -> None:
    resp: fiks.Response = client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "byggesak"})
    print("sok:", resp.status, resp.ok, resp.headers.get("content-type"), sorted(resp.json()))
    assert resp.text == resp.content.decode()
    echo = client.get("/echo", params={"side": 2}, headers={"X-Korrelasjon": "tour"}, timeout=10)
    print("echo:", echo.status, echo.header("content-type"))
    client.put("/echo", data=b"\x01\x02", content_type="application/octet-stream")
    client.delete("/echo")
    client.post("/echo", data="tekst")
    try:
        client.request("GET", "/status/404")
    except fiks.ApiError as e:
        print(f"ApiError {e.status}: errorId {e.error_id}, errorCode {e.error_code}, errorJson {e.error_json}")
        print(f"  message {e.message!r}, path {e.path}, originalPath {e.original_path}, at {e.timestamp}, {e.error}")
        print(f"  hint: {e.hint}; {len(e.body)} bytes, extra fields {e.extra}")
    parsed = fiks.parse_error(b'{"status": 409, "errorId": "abc", "errorJson": "{\\"antall\\": 13}"}')
    assert parsed is not None and parsed.error_json == {"antall": 13}
    assert fiks.parse_error("<html>not Fiks</html>") is None


def adapters(client: fiks.Client) -> None:
    url = client.fiks_base_url + "innsyn-sok/api/v1/sok"
    # The adapters add the Fiks headers only where the core allows them: under fiks_base_url
    # or on an origin in allowed_origins; any other request passes through untouched.
    assert client.may_send_headers(url) and not client.may_send_headers("https://example.org/")
    r = requests.post(url, json={"sok": "requests"}, auth=client.requests_auth(), timeout=30)
    print("requests:", r.status_code)
    with httpx.Client(auth=client.httpx_auth(), timeout=30) as http:
        print("httpx:", http.post(url, json={"sok": "httpx"}).status_code)

    async def several() -> List[int]:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as http:
            answers = await asyncio.gather(*(http.post(url, json={"sok": s}) for s in ("a", "b", "c")))
            return [a.status_code for a in answers]

    print("httpx async:", asyncio.run(several()))
    print("stats:", client.stats())
    client.clear_cache()


def errors(mock: Dict[str, Any]) -> None:
    try:
        fiks.Client(environment="test", isuer="feilstavet")  # type: ignore[call-arg]
    except fiks.ConfigError as e:
        print(f"ConfigError in {e.key!r}: {e}")
    try:
        fiks.Client.from_file(mock["config"], certificate_password="feil")
    except fiks.CertificateError as e:
        print(f"CertificateError ({e.problem}): {e.hint}")
    try:
        fiks.Client.from_file(mock["config"], issuer="ukjent-klient").access_token()
    except fiks.TokenError as e:
        print(f"TokenError {e.status}: {e.error} / {e.description} / {e.mp_code} / {e.error_uri}")
    try:
        fiks.Client.from_file(mock["config"], token_endpoint="http://127.0.0.1:9/token", max_retries=0).access_token()
    except fiks.TransportError as e:
        print(f"TransportError ({e.problem}, status {e.status})")
    with fiks.Client.from_file(mock["config"]) as client:
        client.access_token()
    try:
        client.access_token()
    except fiks.UsageError as e:
        print(f"UsageError: {e}")
    except fiks.FiksError as e:  # the base of them all
        print(f"{e.kind}: {e}")


def configuration_sources(mock: Dict[str, Any]) -> None:
    from_file = fiks.Client.from_file(mock["config"], timeout_seconds=15)
    print("from_file:", from_file.config["timeout_seconds"], from_file.mode)
    key: fiks.ConfigKey = fiks.CONFIG_KEYS["timeout_seconds"]
    print(f"{len(fiks.CONFIG_KEYS)} keys; {key.name}: {key.kind}, default {key.default}, env {key.env_var}")
    print("secret keys:", [k.name for k in fiks.CONFIG_KEYS.values() if k.secret])
    os.environ["FIKS_CONFIG"] = mock["config"]
    os.environ["FIKS_MAX_RETRIES"] = "1"
    try:
        from_env = fiks.Client.from_env()
        print("from_env:", from_env.config["max_retries"])
    finally:
        del os.environ["FIKS_CONFIG"], os.environ["FIKS_MAX_RETRIES"]


def person_mode(mock: Dict[str, Any]) -> None:
    def current_citizen_token() -> str:
        return str(mock["person_token"])  # e.g. from the web session of the logged-in citizen

    client = fiks.Client(
        person_token=current_citizen_token,
        fiks_base_url=mock["fiks_base_url"],
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
    )
    print("person mode:", client.mode, client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "x"}).status)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("fiks_integrasjon").setLevel(logging.DEBUG)
    with open(sys.argv[1]) as f:
        mock: Dict[str, Any] = json.load(f)
    print("fiks_integrasjon", fiks.__version__)
    client = maskinporten_mode(mock)
    fiks_calls(client)
    adapters(client)
    errors(mock)
    configuration_sources(mock)
    person_mode(mock)
    client.close()
    log.info("tour done")


if __name__ == "__main__":
    main()
