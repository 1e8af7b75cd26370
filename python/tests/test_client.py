"""Tokens, headers and Fiks calls through the client itself."""

from __future__ import annotations

import datetime

import pytest
from conftest import Mock

import fiks_integrasjon as fiks


def test_access_token_is_cached(client: fiks.Client, mock: Mock) -> None:
    first = client.access_token()
    assert first and " " not in first
    assert client.access_token() == first
    assert client.stats() == {"token_requests": 1, "tokens_received": 1}
    assert mock.counters()["tokens_issued"] == 1


def test_token_metadata(client: fiks.Client) -> None:
    t = client.token()
    assert t.token_type.lower() == "bearer"
    assert t.expires_in > 0
    assert 0 < t.remaining <= t.expires_in
    assert t.scope == "ks:fiks"
    assert t.expires_at.tzinfo is not None
    assert t.expires_at > datetime.datetime.now(datetime.timezone.utc)
    assert t.access_token == client.access_token()
    assert "<redacted>" in repr(t)


def test_token_for_other_scopes(client: fiks.Client) -> None:
    default = client.access_token()
    other = client.access_token(scopes=["ks:fiks", "ks:fiks:test"])
    assert other != default
    assert client.access_token(scopes="ks:fiks ks:fiks:test") == other
    assert client.token(scopes=["ks:fiks", "ks:fiks:test"]).scope == "ks:fiks ks:fiks:test"


def test_headers(client: fiks.Client, mock: Mock) -> None:
    h = client.headers()
    assert h == {
        "Authorization": "Bearer " + client.access_token(),
        "IntegrasjonId": mock["integrasjon_id"],
        "IntegrasjonPassord": mock["integrasjon_passord"],
    }
    h["Authorization"] = "tuklet med"
    assert client.headers()["Authorization"] != "tuklet med"  # each call returns its own dict
    assert client._cached_headers() == client.headers()


def test_clear_cache_fetches_a_new_token(client: fiks.Client) -> None:
    first = client.access_token()
    client.clear_cache()
    assert client._cached_headers() is None
    assert client.access_token() != first
    assert client.stats()["token_requests"] == 2


def test_request_sok(client: fiks.Client) -> None:
    resp = client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "byggesak"})
    assert resp.status == 200 and resp.ok
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.header("Content-Type") == resp.headers["content-type"]
    assert resp.header("x-finnes-ikke", "standard") == "standard"
    assert isinstance(resp.content, bytes)
    assert resp.text == resp.content.decode()
    assert isinstance(resp.json(), (dict, list))
    assert repr(resp) == "<Response [200]>"
    assert client.post("/innsyn-sok/api/v1/sok", json={"sok": "byggesak"}).json() == resp.json()


def test_request_sends_the_fiks_headers_and_arguments(client: fiks.Client, mock: Mock) -> None:
    echo = client.request(
        "PUT", "/echo", data=b"\x00\x01", content_type="application/x-test", headers={"X-Ekstra": "ja"}, params={"q": "a b", "n": [1, 2]}
    ).json()
    text = str(echo)
    assert mock["integrasjon_id"] in text
    assert "X-Ekstra" in text or "x-ekstra" in text
    assert "application/x-test" in text
    assert "q=a+b" in text and "n=1" in text and "n=2" in text
    assert "PUT" in text


def test_request_argument_errors(client: fiks.Client) -> None:
    with pytest.raises(TypeError):
        client.request("POST", "/echo", json={}, data=b"")
    with pytest.raises(TypeError):
        client.request("POST", "/echo", data=123)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.request("GET", "/echo", timeout=-1)
    with pytest.raises(fiks.ConfigError):
        client.request("NOT A METHOD", "/echo")
    with pytest.raises(TypeError):
        client.request("POST", "/echo", json=object())


def test_certificate_info(client: fiks.Client, mock: Mock) -> None:
    info = client.certificate
    assert info is not None
    assert info.orgnr == mock["orgnr"]
    assert info.days_left > 0
    assert info.not_before < info.not_after
    assert info.chain_len >= 1 and not info.self_signed
    assert mock["orgnr"] in repr(info)


def test_context_manager_closes(mock: Mock) -> None:
    with fiks.Client(**mock.kwargs()) as c:
        assert c.access_token()
    assert c.closed
    with pytest.raises(fiks.UsageError):
        c.access_token()


def test_not_picklable(client: fiks.Client) -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(client)
