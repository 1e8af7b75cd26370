"""A user's own test suite against the strict local mock: no conftest.py, no Rust toolchain.

    pip install "fiks-integrasjon[testing]"
    pytest examples/python/testing

The fixtures ``fiks_mock`` (one mock per session, reset before each test) and ``fiks_client``
(a ready client for it) come from the package's pytest plugin. ``antall_treff`` stands for
the code under test: in a real project it is imported from the project's own package.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

import fiks_integrasjon as fiks
from fiks_integrasjon.testing import FiksMock


# ---- the code under test (normally: from my_project.sok import antall_treff) ------------------


def antall_treff(client: fiks.Client, sok: str) -> int:
    """Searches Fiks innsyn; a Fiks error says which errorId to quote to KS."""
    svar: Dict[str, Any] = client.post("/innsyn-sok/api/v1/sok", json={"sok": sok}).json()
    return len(svar)


# ---- the tests ----------------------------------------------------------------------------------


def test_a_call_succeeds(fiks_client: fiks.Client) -> None:
    assert antall_treff(fiks_client, "byggesak") > 0


def test_one_token_serves_many_calls(fiks_client: fiks.Client, fiks_mock: FiksMock) -> None:
    for _ in range(3):
        antall_treff(fiks_client, "byggesak")
    counters = fiks_mock.counters()
    assert counters["tokens_issued"] == 1
    assert counters["fiks_requests"] == 3


def test_a_fiks_error_is_an_api_error(fiks_client: fiks.Client, fiks_mock: FiksMock) -> None:
    fiks_mock.fault("fiks", "503")  # a POST is not retried: the 503 reaches the caller
    with pytest.raises(fiks.ApiError) as caught:
        antall_treff(fiks_client, "byggesak")
    assert caught.value.status == 503
    assert antall_treff(fiks_client, "byggesak") > 0  # the next call is answered again


def test_maskinporten_down_is_a_token_error(fiks_mock: FiksMock) -> None:
    fiks_mock.fault("token", "503")  # Maskinporten answers 503 (retried, but not with max_retries=0)
    with fiks_mock.client(max_retries=0) as client, pytest.raises(fiks.TokenError) as caught:
        antall_treff(client, "byggesak")
    assert caught.value.status == 503
    assert fiks_mock.counters()["fiks_requests"] == 0  # no token, so no call to Fiks


def test_a_dropped_connection_is_a_transport_error(fiks_mock: FiksMock) -> None:
    fiks_mock.fault("fiks", "drop")
    with fiks_mock.client(max_retries=0) as client, pytest.raises(fiks.TransportError):
        antall_treff(client, "byggesak")


def test_revoked_tokens_are_replaced(fiks_client: fiks.Client, fiks_mock: FiksMock) -> None:
    antall_treff(fiks_client, "byggesak")
    fiks_mock.revoke_tokens()  # Fiks answers 401 to the cached token from now on
    assert antall_treff(fiks_client, "byggesak") > 0  # the client fetched a new one and retried
    assert fiks_mock.counters()["tokens_issued"] == 2


def test_the_mocks_fiks_toml_works_too(fiks_mock: FiksMock) -> None:
    with fiks.Client.from_file(fiks_mock.config_path) as client:
        assert client.fiks_base_url == fiks_mock["fiks_base_url"].rstrip("/") + "/"
        assert antall_treff(client, "byggesak") > 0


def test_a_vendor_calls_each_municipality_with_its_own_integrasjon(
    fiks_client: fiks.Client, fiks_mock: FiksMock
) -> None:
    for i in (1, 2, 3):
        kommune_id, passord = fiks_mock.integrasjon(i)
        kommune = fiks_client.for_integrasjon(kommune_id, passord)
        for service in ("fiks", "svarut"):
            echo = kommune.request("GET", "/echo", service=service).json()
            assert (echo["integrasjon_id"], echo["service"]) == (kommune_id, service)
    assert fiks_mock.counters()["token_requests"] == 1  # one token for every municipality


def test_each_citizen_is_sent_with_their_own_token(fiks_client: fiks.Client, fiks_mock: FiksMock) -> None:
    import hashlib

    tokens = ["borger-token-a", "borger-token-b"]
    fiks_mock.register_person_tokens(tokens)
    for token in tokens:
        echo = fiks_client.as_person(token).request("GET", "/echo").json()
        assert echo["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
