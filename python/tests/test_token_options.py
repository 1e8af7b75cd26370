"""Per-request token options of ``access_token()``, ``token()`` and their ``_async`` twins, and
``AuthorizationDetails``.

Each combination of options is its own cached token (the core's cache); the mock's counters
show how many token requests went out and the last grant's claims.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import pickle
import threading
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from conftest import Mock

import fiks_integrasjon as fiks

ORG_A = "910000002"
ORG_B = "910000003"
PID = "25922947409"
CONSENT_ID = "93413201-b7e8-4ec3-a899-580fc02c6aeb"


def last_claims(mock: Mock) -> Dict[str, Any]:
    claims: Dict[str, Any] = mock.counters()["last_grant_claims"]
    return claims


def token_requests(mock: Mock) -> int:
    n: int = mock.counters()["token_requests"]
    return n


def test_two_consumer_orgs_two_tokens_then_cached(client: fiks.Client, mock: Mock) -> None:
    a = client.access_token(consumer_org=ORG_A)
    assert last_claims(mock)["consumer_org"] == ORG_A
    b = client.access_token(consumer_org=ORG_B)
    assert last_claims(mock)["consumer_org"] == ORG_B
    assert a != b
    assert token_requests(mock) == 2
    assert client.access_token(consumer_org=ORG_A) == a
    assert client.access_token(consumer_org=ORG_B) == b
    assert client.token(consumer_org=ORG_A).access_token == a
    assert token_requests(mock) == 2  # both cached
    default = client.access_token()
    assert default not in (a, b)
    assert "consumer_org" not in last_claims(mock)
    assert token_requests(mock) == 3


def test_the_old_positional_scopes_still_work(client: fiks.Client, mock: Mock) -> None:
    assert client.access_token("ks:fiks ks:fiks:test") == client.access_token(scopes=["ks:fiks", "ks:fiks:test"])
    assert last_claims(mock)["scope"] == "ks:fiks ks:fiks:test"
    with pytest.raises(TypeError):
        client.access_token(scopes=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.access_token("ks:fiks", None)  # type: ignore[misc]  # the others are keyword-only


def test_pid_resource_and_on_behalf_of(client: fiks.Client, mock: Mock) -> None:
    assert client.access_token(pid=PID)
    assert last_claims(mock)["pid"] == PID
    assert client.access_token(resource=["https://a.example.no", "https://b.example.no"])
    assert last_claims(mock)["resource"] == ["https://a.example.no", "https://b.example.no"]
    assert client.access_token(resource="https://a.example.no")
    assert client.access_token(on_behalf_of="kunde-1")
    assert last_claims(mock)["iss_onbehalfof"] == "kunde-1"


def test_an_empty_value_clears_a_configured_one(mock: Mock) -> None:
    with fiks.Client(**mock.kwargs(consumer_org=ORG_A)) as c:
        c.access_token()
        assert last_claims(mock)["consumer_org"] == ORG_A
        c.access_token(consumer_org="")
        assert "consumer_org" not in last_claims(mock)


def test_bad_options_raise_config_errors_before_any_request(client: fiks.Client, mock: Mock) -> None:
    for kwargs, key in (
        ({"consumer_org": "123"}, "consumer_org"),
        ({"pid": "123"}, "pid"),
        ({"authorization_details": "[]"}, "authorization_details"),
        ({"authorization_details": "not json"}, "authorization_details"),
        ({"authorization_details": {"type": "urn:altinn:ukjent"}}, "authorization_details"),
    ):
        with pytest.raises(fiks.ConfigError) as e:
            client.access_token(**kwargs)
        assert e.value.key == key, (kwargs, e.value)
    with pytest.raises(TypeError):
        client.access_token(authorization_details=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.access_token(pid=12345678901)  # type: ignore[arg-type]
    assert token_requests(mock) == 0


SYSTEMBRUKER: List[Dict[str, Any]] = [
    {"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:" + ORG_A}}
]


@pytest.mark.parametrize(
    "given",
    [
        SYSTEMBRUKER[0],  # a dict: one entry
        SYSTEMBRUKER,  # a list of dicts
        tuple(SYSTEMBRUKER),  # any sequence
        json.dumps(SYSTEMBRUKER),  # JSON text
        fiks.AuthorizationDetails.systembruker(ORG_A),
    ],
    ids=["dict", "list", "tuple", "json", "AuthorizationDetails"],
)
def test_authorization_details_in_every_form(client: fiks.Client, mock: Mock, given: Any) -> None:
    assert client.access_token(authorization_details=given)
    assert last_claims(mock)["authorization_details"] == SYSTEMBRUKER


def test_equal_authorization_details_share_a_token(client: fiks.Client, mock: Mock) -> None:
    a = client.access_token(authorization_details=SYSTEMBRUKER)
    b = client.access_token(authorization_details=fiks.AuthorizationDetails.systembruker(ORG_A))
    reordered = {"systemuser_org": {"ID": "0192:" + ORG_A, "authority": "iso6523-actorid-upis"}, "type": "urn:altinn:systemuser"}
    c = client.access_token(authorization_details=reordered)
    assert a == b == c
    assert token_requests(mock) == 1
    other = client.access_token(authorization_details=fiks.AuthorizationDetails.samtykke(CONSENT_ID, PID))
    assert other != a
    assert last_claims(mock)["authorization_details"][0]["from"].endswith(PID)


def test_authorization_details_as_a_config_key(mock: Mock) -> None:
    for given in (SYSTEMBRUKER, json.dumps(SYSTEMBRUKER), fiks.AuthorizationDetails.systembruker(ORG_A)):
        with fiks.Client(**mock.kwargs(authorization_details=given)) as c:
            assert c.config["authorization_details"] == fiks.AuthorizationDetails.systembruker(ORG_A).json
            assert c.access_token()
            assert last_claims(mock)["authorization_details"] == SYSTEMBRUKER
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**mock.kwargs(authorization_details=[{"type": "x"}]))
    assert e.value.key == "authorization_details"
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**mock.kwargs(authorization_details=42))
    assert e.value.key == "authorization_details"


def test_async_options(client: fiks.Client, mock: Mock) -> None:
    async def main() -> Tuple[str, str, fiks.Token]:
        a, b = await asyncio.gather(
            client.access_token_async(consumer_org=ORG_A),
            client.access_token_async(consumer_org=ORG_B),
        )
        token = await client.token_async(consumer_org=ORG_A)
        with pytest.raises(fiks.ConfigError):
            client.access_token_async(pid="1")  # raised at the call, before awaiting
        details = await client.access_token_async(authorization_details=fiks.AuthorizationDetails.systembruker(ORG_A))
        assert details not in (a, b)
        return a, b, token

    a, b, token = asyncio.run(main())
    assert a != b and token.access_token == a
    assert token_requests(mock) == 3
    assert client.access_token(consumer_org=ORG_B) == b


def test_authorization_details_class() -> None:
    d = fiks.AuthorizationDetails.systembruker(ORG_A, external_ref="kunde-42")
    assert json.loads(d.json) == [
        {
            "type": "urn:altinn:systemuser",
            "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:" + ORG_A},
            "externalRef": "kunde-42",
        }
    ]
    assert fiks.AuthorizationDetails.parse(d.json) == d
    assert d != fiks.AuthorizationDetails.systembruker(ORG_A)
    assert d != d.json  # only equal to another AuthorizationDetails
    assert len({d, fiks.AuthorizationDetails.parse(d.json), fiks.AuthorizationDetails.systembruker(ORG_A)}) == 2
    assert pickle.loads(pickle.dumps(d)) == d
    assert fiks.AuthorizationDetails.__module__ == "fiks_integrasjon"

    s = fiks.AuthorizationDetails.samtykke(CONSENT_ID.upper(), from_=PID)
    assert PID in s.json and CONSENT_ID in s.json  # the canonical, lower-case id
    assert PID not in repr(s) and repr(s).startswith("AuthorizationDetails(")  # the fødselsnummer masked
    assert "0192:" + ORG_A in repr(d)
    with pytest.raises(AttributeError):
        d.json = "[]"  # type: ignore[misc]

    for bad in (
        lambda: fiks.AuthorizationDetails.systembruker("123"),
        lambda: fiks.AuthorizationDetails.samtykke("ikke-en-uuid", PID),
        lambda: fiks.AuthorizationDetails.parse("[]"),
        lambda: fiks.AuthorizationDetails.parse("{"),
    ):
        with pytest.raises(fiks.ConfigError) as e:
            bad()
        assert e.value.key == "authorization_details"


# --- Maskinporten's refusals of authorization_details --------------------------------------------


class FakeMaskinporten:
    """A token endpoint on loopback that refuses every grant with one OAuth error body (the
    mock's own checks agree with the core's, so they never refuse what the core lets through)."""

    def __init__(self, description: str) -> None:
        body = json.dumps({"error": "invalid_request", "error_description": description}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(400)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def refusing() -> Iterator[Any]:
    started: List[FakeMaskinporten] = []

    def start(description: str) -> FakeMaskinporten:
        f = FakeMaskinporten(description)
        started.append(f)
        return f

    yield start
    for f in started:
        f.close()


def test_rar_refusals_are_told_apart(mock: Mock, refusing: Any) -> None:
    for description, rar in (
        ("MP-302 Invalid authorization_details: unknown field 'x'", True),
        ("MP-303 Invalid authorization_details: no such system user", True),
        ("MP-110 Invalid assertion. The aud claim is wrong", False),
    ):
        fake = refusing(description)
        with fiks.Client(**mock.kwargs(token_endpoint=fake.url)) as c:
            with pytest.raises(fiks.TokenError) as e:
                c.access_token(authorization_details=SYSTEMBRUKER)
        assert e.value.is_authorization_details is rar, description
        assert e.value.mp_code == description[:6]
        assert e.value.is_time_refusal is False
        again = pickle.loads(pickle.dumps(e.value))
        assert again.is_authorization_details is rar
