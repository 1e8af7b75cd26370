"""requests and httpx (sync and async) adapters doing real calls against the mock."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Dict, List, Tuple

import httpx
import pytest
import requests
from conftest import Mock, Recorder, fiks_headers_in

import fiks_integrasjon as fiks

SOK = "innsyn-sok/api/v1/sok"


def url(mock: Mock, path: str) -> str:
    return str(mock["fiks_base_url"]).rstrip("/") + "/" + path


def test_requests_auth(client: fiks.Client, mock: Mock) -> None:
    r = requests.post(url(mock, SOK), json={"sok": "byggesak"}, auth=client.requests_auth(), timeout=30)
    assert r.status_code == 200
    assert isinstance(r.json(), (dict, list))
    r = requests.get(url(mock, "status/404"), auth=client.requests_auth(), timeout=30)
    assert r.status_code == 404
    err = fiks.parse_error(r.content)
    assert err is not None and err.error_id and err.error_code == "MOCK_FEIL"


def test_requests_session_reuses_the_token(client: fiks.Client, mock: Mock) -> None:
    with requests.Session() as s:
        s.auth = client.requests_auth()
        for _ in range(5):
            assert s.post(url(mock, SOK), json={"sok": "x"}, timeout=30).status_code == 200
    assert mock.counters()["tokens_issued"] == 1


def test_requests_auth_renews_after_401(client: fiks.Client, mock: Mock) -> None:
    assert client.access_token()
    mock.revoke_tokens()
    r = requests.post(url(mock, SOK), json={"sok": "x"}, auth=client.requests_auth(), timeout=30)
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [401]
    assert client.stats()["token_requests"] == 2


def test_httpx_sync(client: fiks.Client, mock: Mock) -> None:
    with httpx.Client(auth=client.httpx_auth(), timeout=30) as h:
        r = h.post(url(mock, SOK), json={"sok": "byggesak"})
        assert r.status_code == 200
        r = h.get(url(mock, "status/403"))
        assert r.status_code == 403
        err = fiks.parse_error(r.content)
        assert err is not None and err.status == 403 and err.error_id


def test_httpx_sync_renews_after_401(client: fiks.Client, mock: Mock) -> None:
    assert client.access_token()
    mock.revoke_tokens()
    with httpx.Client(auth=client.httpx_auth(), timeout=30) as h:
        assert h.post(url(mock, SOK), json={"sok": "x"}).status_code == 200
    assert client.stats()["token_requests"] == 2


def test_httpx_async(client: fiks.Client, mock: Mock) -> None:
    async def main() -> List[int]:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as h:
            rs = await asyncio.gather(*(h.post(url(mock, SOK), json={"sok": str(i)}) for i in range(8)))
            return [r.status_code for r in rs]

    assert asyncio.run(main()) == [200] * 8
    assert mock.counters()["tokens_issued"] == 1


def test_httpx_async_never_blocks_the_event_loop(client: fiks.Client, mock: Mock) -> None:
    """While a slow token fetch runs (in a worker thread), the loop keeps ticking."""
    mock.token_delay(1000)

    async def main() -> int:
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0.01)

        t = asyncio.ensure_future(ticker())
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as h:
            started = time.monotonic()
            r = await h.post(url(mock, SOK), json={"sok": "x"})
            assert r.status_code == 200
            assert time.monotonic() - started >= 0.9
        done = True
        await t
        return ticks

    assert asyncio.run(main()) >= 40


def test_httpx_async_uses_the_cache_without_threads(client: fiks.Client, mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    import anyio.to_thread

    offloaded: List[object] = []
    real = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(func, "__self__", None) is client:
            offloaded.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)

    async def main() -> None:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as h:
            await h.post(url(mock, SOK), json={"sok": "x"})  # no token yet: fetched on the library thread
            await h.post(url(mock, SOK), json={"sok": "y"})  # cached

    asyncio.run(main())
    assert offloaded == []  # never a worker thread


def test_httpx_async_renews_after_401(client: fiks.Client, mock: Mock) -> None:
    assert client.access_token()
    mock.revoke_tokens()

    async def main() -> int:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as h:
            return (await h.post(url(mock, SOK), json={"sok": "x"})).status_code

    assert asyncio.run(main()) == 200
    assert client.stats()["token_requests"] == 2


RecorderFactory = Callable[..., Recorder]


def person_client(base_url: str, mock: Mock, **kw: Any) -> fiks.Client:
    """A client whose Fiks API is ``base_url`` (a recorder), in integrasjon-person mode."""
    return fiks.Client(
        person_token="person-token-abc",
        fiks_base_url=base_url,
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
        **kw,
    )


# --- Where the Fiks headers go: only where the core allows them --------------------------------


def test_requests_auth_adds_nothing_on_another_origin(client: fiks.Client, recorder: RecorderFactory) -> None:
    """Another port on the same host is another origin: the request passes through untouched."""
    elsewhere = recorder()
    r = requests.get(elsewhere.url + "/x", headers={"X-Egen": "ja"}, auth=client.requests_auth(), timeout=10)
    assert r.status_code == 200 and len(elsewhere.seen) == 1
    assert fiks_headers_in(elsewhere.headers(0)) == set()
    assert elsewhere.headers(0)["X-Egen"] == "ja"
    assert not client.may_send_headers(elsewhere.url + "/x")


def test_httpx_auth_adds_nothing_on_another_origin(client: fiks.Client, recorder: RecorderFactory) -> None:
    elsewhere = recorder()
    with httpx.Client(auth=client.httpx_auth(), timeout=10) as h:
        assert h.get(elsewhere.url + "/x").status_code == 200

    async def main() -> int:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=10) as h:
            return (await h.get(elsewhere.url + "/y")).status_code

    assert asyncio.run(main()) == 200
    assert len(elsewhere.seen) == 2
    assert [fiks_headers_in(h) for _, h in elsewhere.seen] == [set(), set()]


def test_allowed_origins_receive_the_headers(mock: Mock, recorder: RecorderFactory) -> None:
    svarut = recorder()
    c = fiks.Client(**mock.kwargs(allowed_origins=svarut.url))
    r = requests.get(svarut.url + "/tjenester/x", auth=c.requests_auth(), timeout=10)
    assert r.status_code == 200
    assert fiks_headers_in(svarut.headers(0)) == {"authorization", "integrasjonid", "integrasjonpassord"}
    assert c.headers_for(svarut.url + "/a") == c.headers()
    with pytest.raises(fiks.UsageError, match="allowed_origins"):
        c.headers_for("http://127.0.0.1:9/annet")


def test_a_path_outside_the_base_url_gets_no_headers(recorder: RecorderFactory, mock: Mock) -> None:
    fiks_api = recorder()
    c = person_client(fiks_api.url + "/fiks/", mock)
    requests.get(fiks_api.url + "/fiks/innsyn", auth=c.requests_auth(), timeout=10)
    requests.get(fiks_api.url + "/admin", auth=c.requests_auth(), timeout=10)
    assert fiks_headers_in(fiks_api.headers(0)) == {"authorization", "integrasjonid", "integrasjonpassord"}
    assert fiks_headers_in(fiks_api.headers(1)) == set()


# --- Redirects: the headers follow only the core's rule, and never come back -------------------


def redirecting(to: str, final: Tuple[int, Dict[str, str]] = (200, {})) -> Callable[[str], Tuple[int, Dict[str, str]]]:
    """An answer: 302 to ``to`` for ``/fiks/start``, ``final`` for anything else."""
    return lambda path: (302, {"location": to}) if path.startswith("/fiks/start") else final


def test_requests_auth_strips_fiks_headers_on_a_redirect_to_another_origin(
    mock: Mock, recorder: RecorderFactory
) -> None:
    """requests itself only drops Authorization; IntegrasjonPassord must not follow either."""
    elsewhere = recorder()
    fiks_api = recorder(redirecting(elsewhere.url + "/annet"))
    c = person_client(fiks_api.url + "/fiks/", mock)
    r = requests.get(fiks_api.url + "/fiks/start", auth=c.requests_auth(), timeout=10)
    assert r.status_code == 200
    assert fiks_api.headers(0)["IntegrasjonPassord"] == mock["integrasjon_passord"]
    assert len(elsewhere.seen) == 1 and fiks_headers_in(elsewhere.headers(0)) == set()


def test_requests_auth_never_re_adds_the_headers_when_the_redirect_target_answers_401(
    mock: Mock, recorder: RecorderFactory
) -> None:
    """The old adapter renewed the token on the foreign 401 and resent it there with every header."""
    elsewhere = recorder(lambda path: (401, {"www-authenticate": "Bearer"}))
    fiks_api = recorder(redirecting(elsewhere.url + "/annet"))
    c = person_client(fiks_api.url + "/fiks/", mock)
    r = requests.get(fiks_api.url + "/fiks/start", auth=c.requests_auth(), timeout=10)
    assert r.status_code == 401
    assert [fiks_headers_in(h) for _, h in elsewhere.seen] == [set()], "sent again, or with a Fiks header"


def test_requests_auth_same_origin_redirects(mock: Mock, recorder: RecorderFactory) -> None:
    """Under the base URL the headers follow; to another path of the same host they do not."""
    fiks_api = recorder(
        lambda path: {
            "/fiks/start": (302, {"location": "/fiks/neste"}),
            "/fiks/ut": (302, {"location": "/login"}),
        }.get(path, (200, {}))
    )
    c = person_client(fiks_api.url + "/fiks/", mock)
    with requests.Session() as s:
        s.auth = c.requests_auth()
        assert s.get(fiks_api.url + "/fiks/start", timeout=10).status_code == 200
        assert s.get(fiks_api.url + "/fiks/ut", timeout=10).status_code == 200
    paths = [p for p, _ in fiks_api.seen]
    assert paths == ["/fiks/start", "/fiks/neste", "/fiks/ut", "/login"]
    carried = [bool(fiks_headers_in(h)) for _, h in fiks_api.seen]
    assert carried == [True, True, True, False]


# --- 401: the core's renewal rule, once per token ----------------------------------------------


def test_requests_auth_wrong_passord_fetches_at_most_two_tokens(mock: Mock) -> None:
    """A wrong IntegrasjonPassord: the old adapter fetched a new token for every 401 (11 for 10 calls)."""
    c = fiks.Client(**mock.kwargs(integrasjon_passord="feil-passord"))
    with requests.Session() as s:
        s.auth = c.requests_auth()
        # GET, not POST: the mock answers 401 before reading a request body, and once (under
        # load) the connection was closed as requests reused it ("Remote end closed connection").
        statuses = [s.get(url(mock, "echo"), timeout=30).status_code for _ in range(10)]
    assert statuses == [401] * 10
    assert mock.counters()["token_requests"] <= 2
    assert c.stats()["token_requests"] <= 2


def test_httpx_auth_wrong_passord_fetches_at_most_two_tokens(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(integrasjon_passord="feil-passord"))
    with httpx.Client(auth=c.httpx_auth(), timeout=30) as h:
        statuses = [h.get(url(mock, "echo")).status_code for _ in range(5)]

    async def main() -> List[int]:
        async with httpx.AsyncClient(auth=c.httpx_auth(), timeout=30) as h:
            return [(await h.get(url(mock, "echo"))).status_code for _ in range(5)]

    statuses += asyncio.run(main())
    assert statuses == [401] * 10
    assert mock.counters()["token_requests"] <= 2


def test_requests_auth_renews_once_per_token_then_not_again(client: fiks.Client, mock: Mock) -> None:
    """The token fetched after a 401 is not evicted by a second 401: Fiks refuses the integrasjon."""
    assert client.access_token()
    mock.revoke_tokens()
    assert requests.post(url(mock, SOK), json={"sok": "x"}, auth=client.requests_auth(), timeout=30).status_code == 200
    mock.revoke_tokens()
    r = requests.post(url(mock, SOK), json={"sok": "x"}, auth=client.requests_auth(), timeout=30)
    assert r.status_code == 401 and r.history == []
    assert client.stats()["token_requests"] == 2
    assert client.evict_access_token(client.headers()["Authorization"]) is False
