"""Tokens, headers and Fiks calls through the client itself."""

from __future__ import annotations

import _thread
import datetime
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

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


# --- Request headers: the core's rule (one Content-Type, checked names and values) -------------


def echoed_content_types(echo: Dict[str, Any]) -> List[str]:
    """Every Content-Type the mock received (it joins repeated headers with ", ")."""
    return [v.strip() for v in echo["headers"]["content-type"].split(",")]


def test_a_content_type_header_replaces_the_body_type(client: fiks.Client) -> None:
    """The old binding sent the header's type and the body's (application/octet-stream) both."""
    echo = client.request("POST", "/echo", data=b"<a/>", headers={"Content-Type": "application/xml"}).json()
    assert echoed_content_types(echo) == ["application/xml"]
    assert echo["body"] == "<a/>"
    echo = client.request("POST", "/echo", json={"a": 1}, headers={"content-type": "application/vnd.fiks+json"}).json()
    assert echoed_content_types(echo) == ["application/vnd.fiks+json"]
    echo = client.request("POST", "/echo", data="tekst", content_type="text/csv").json()
    assert echoed_content_types(echo) == ["text/csv"]
    assert echoed_content_types(client.request("POST", "/echo", json=[1]).json()) == ["application/json"]


def test_invalid_headers_are_refused_before_anything_is_sent(client: fiks.Client, mock: Mock) -> None:
    for headers in ({"X-Evil": "a\r\nInjected: 1"}, {"Bad Name": "x"}):
        with pytest.raises(fiks.UsageError):
            client.request("GET", "/echo", headers=headers)
    with pytest.raises(fiks.UsageError):
        client.request("POST", "/echo", data=b"x", content_type="text/plain\r\nX-Injected: 1")
    assert mock.counters()["fiks_requests"] == 0


# --- timeout=: the deadline of the whole call --------------------------------------------------


def test_timeout_bounds_the_whole_call_retry_after_included(client: fiks.Client, mock: Mock) -> None:
    """A Retry-After longer than what is left of timeout= fails at once: no second request."""
    client.access_token()
    mock.fault("fiks", "429:5")
    with pytest.raises(fiks.ApiError) as e:
        client.request("GET", "/echo", timeout=1)
    assert e.value.status == 429
    assert mock.counters()["fiks_requests"] == 1


def test_retries_follow_the_core_rule(client: fiks.Client, mock: Mock) -> None:
    """A 503 is retried for GET (idempotent) and not for POST."""
    client.access_token()
    mock.fault("fiks", "503")
    assert client.get("/echo").status == 200
    assert mock.counters()["fiks_requests"] == 2
    mock.reset()
    mock.fault("fiks", "503")
    with pytest.raises(fiks.ApiError) as e:
        client.post("/echo", data=b"x")
    assert e.value.status == 503 and mock.counters()["fiks_requests"] == 1


def test_wrong_passord_fetches_at_most_two_tokens(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(integrasjon_passord="feil-passord"))
    errors = []
    for _ in range(10):
        with pytest.raises(fiks.ApiError) as e:
            c.get("/echo")
        errors.append(e.value)
    assert {err.status for err in errors} == {401}
    assert mock.counters()["token_requests"] <= 2  # the old core fetched one for every 401: 11
    assert errors[0].integrasjon_refused and "refused the integrasjon" in str(errors[0])


# --- Ctrl-C interrupts a waiting call ----------------------------------------------------------


def interrupt_main_when(condition: Callable[[], bool]) -> threading.Thread:
    """A thread that sends the main thread a KeyboardInterrupt (as Ctrl-C does) once
    ``condition()`` holds (polled for at most 30 s)."""

    def run() -> None:
        for _ in range(3000):
            if condition():
                _thread.interrupt_main()
                return
            time.sleep(0.01)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


class HeldAnswer:
    """A loopback HTTP server that holds every request until ``release`` is set (at most 20 s),
    then answers ``{}``. ``arrived`` and ``answered`` say how far it got."""

    def __init__(self) -> None:
        import http.server

        self.arrived, self.release, self.answered = threading.Event(), threading.Event(), threading.Event()
        held = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_any(self) -> None:
                held.arrived.set()
                held.release.wait(20)
                try:
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the client is gone: it was interrupted
                held.answered.set()

            do_GET = do_POST = handle_any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held() -> Iterator[HeldAnswer]:
    h = HeldAnswer()
    yield h
    h.close()


def test_ctrl_c_interrupts_a_fiks_call(mock: Mock, held: HeldAnswer) -> None:
    """The old binding waited with signals unseen until the answer came."""
    c = fiks.Client(
        person_token="person-token-abc",
        fiks_base_url=held.url,
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
    )
    interrupt_main_when(held.arrived.is_set)
    with pytest.raises(KeyboardInterrupt):
        c.request("GET", "/treg", timeout=60)
    assert not held.answered.is_set(), "the call only returned once the server had answered"


def test_ctrl_c_interrupts_a_token_fetch(mock: Mock, held: HeldAnswer) -> None:
    c = fiks.Client(**mock.kwargs(token_endpoint=held.url + "token"))
    interrupt_main_when(held.arrived.is_set)
    with pytest.raises(KeyboardInterrupt):
        c.access_token()
    assert not held.answered.is_set(), "the call only returned once the token endpoint had answered"


def test_calls_from_other_threads_still_work(client: fiks.Client) -> None:
    """Only the main thread polls for signals; other threads wait in the core directly."""
    results: List[int] = []
    t = threading.Thread(target=lambda: results.append(client.get("/echo").status))
    t.start()
    t.join(60)
    assert results == [200]


def test_response_headers_are_a_case_insensitive_mapping(client: fiks.Client) -> None:
    r = client.request("GET", "/echo")
    h = r.headers
    assert isinstance(h, fiks.Headers) and h is r.headers  # built once per response
    assert h["Content-Type"] == h["content-type"] == h.get("CONTENT-TYPE") == r.header("content-type")
    assert "Content-Type" in h and "x-mangler" not in h and h.get("x-mangler") is None
    assert all(name == name.lower() for name in h)
    with pytest.raises(TypeError):
        h["x"] = "y"  # type: ignore[index]
    with pytest.raises(KeyError):
        h["x-mangler"]


def test_headers_mapping_behaves_like_requests_and_httpx() -> None:
    import doctest

    import fiks_integrasjon._headers as module

    assert doctest.testmod(module).failed == 0
    h = fiks.Headers([("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-En", "1")])
    assert h["SET-COOKIE"] == "a=1, b=2" and h.get_list("set-cookie") == ["a=1", "b=2"]
    assert h == {"x-en": "1", "Set-Cookie": "a=1, b=2"} and len(h) == 2
    assert h.multi_items()[0] == ("Set-Cookie", "a=1")
    assert fiks.Headers({"A": "1"}) == fiks.Headers([("a", "1")])
    with pytest.raises(TypeError):
        fiks.Headers([("a", 1)])  # type: ignore[list-item]
