"""requests and httpx (sync and async) adapters doing real calls against the mock."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

import httpx
import pytest
import requests
from conftest import Mock

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
            await h.post(url(mock, SOK), json={"sok": "x"})  # no token yet: fetched in a thread
            await h.post(url(mock, SOK), json={"sok": "y"})  # cached: no thread

    asyncio.run(main())
    assert len(offloaded) == 1


def test_httpx_async_renews_after_401(client: fiks.Client, mock: Mock) -> None:
    assert client.access_token()
    mock.revoke_tokens()

    async def main() -> int:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as h:
            return (await h.post(url(mock, SOK), json={"sok": "x"})).status_code

    assert asyncio.run(main()) == 200
    assert client.stats()["token_requests"] == 2


def test_requests_auth_strips_fiks_headers_on_a_redirect_to_another_origin(mock: Mock) -> None:
    """requests itself only drops Authorization; IntegrasjonPassord must not follow either."""
    import http.server
    import threading

    seen: List[Dict[str, str]] = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Redirector(Elsewhere):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(302)
            self.send_header("location", f"http://127.0.0.1:{elsewhere.server_address[1]}/annet")
            self.send_header("content-length", "0")
            self.end_headers()

    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    redirector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    for server in (elsewhere, redirector):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = fiks.Client(
            person_token="person-token-abc",
            fiks_base_url=mock["fiks_base_url"],
            integrasjon_id=mock["integrasjon_id"],
            integrasjon_passord=mock["integrasjon_passord"],
        )
        r = requests.get(f"http://127.0.0.1:{redirector.server_address[1]}/start", auth=client.requests_auth(), timeout=10)
        assert r.status_code == 200 and len(seen) == 2
        assert seen[0]["IntegrasjonPassord"] == mock["integrasjon_passord"]
        assert not {"Authorization", "IntegrasjonId", "IntegrasjonPassord"} & set(seen[1])
    finally:
        elsewhere.shutdown()
        redirector.shutdown()
