"""Awaitables: ``headers_async()``, ``access_token_async()``, ``request_async()``.

They start the call on the library's own thread and complete through the running loop, under
asyncio and under trio (anyio's two backends). Every error kind a call can raise arrives
through the awaitable; cancelling the awaiting task cancels only that caller; closing the
client ends every pending call with ``CancelledError(problem="client_closed")``. No test here
measures time: the loop-lag figures are in ``benches/python/bench.py``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import threading
from typing import Any, Awaitable, Callable, List

import pytest
import trio
from conftest import Mock

import fiks_integrasjon as fiks
from fiks_integrasjon import _aio

SOK = "/innsyn-sok/api/v1/sok"


def os_threads() -> int:
    """The threads of this process as the OS sees them (Python's and the library's)."""
    return len(os.listdir("/proc/self/task"))


async def until(check: Callable[[], bool]) -> None:
    """Waits (without blocking the loop) until ``check()`` holds; the test's timeout bounds it."""
    while not check():
        await asyncio.sleep(0.005)


# --- success ------------------------------------------------------------------------------------


def test_headers_async_fetches_once_then_reads_the_cache(client: fiks.Client, mock: Mock) -> None:
    async def main() -> None:
        first = await client.headers_async()
        assert set(first) == {"Authorization", "IntegrasjonId", "IntegrasjonPassord"}
        assert first["IntegrasjonId"] == mock["integrasjon_id"]
        assert first == client.headers()
        again = client.headers_async()
        assert asyncio.iscoroutine(again)  # an awaitable, already holding the cached value
        assert await again == first

    asyncio.run(main())
    assert mock.counters()["token_requests"] == 1


def test_access_token_async(client: fiks.Client, mock: Mock) -> None:
    async def main() -> None:
        token = await client.access_token_async()
        assert token == client.access_token()
        other = await client.access_token_async(scopes=["ks:fiks"])
        assert other

    asyncio.run(main())
    assert mock.counters()["token_requests"] >= 1


def test_request_async(client: fiks.Client, mock: Mock) -> None:
    async def main() -> List[int]:
        rs = await asyncio.gather(*(client.request_async("POST", SOK, json={"sok": str(i)}) for i in range(8)))
        return [r.status for r in rs]

    assert asyncio.run(main()) == [200] * 8
    assert mock.counters()["tokens_issued"] == 1


def test_request_async_takes_the_same_arguments(client: fiks.Client, mock: Mock) -> None:
    async def main() -> fiks.Response:
        return await client.request_async(
            "GET", "/echo", params={"q": "a b"}, headers={"X-Test": "ja"}, timeout=30
        )

    r = asyncio.run(main())
    assert r.status == 200
    text = str(r.json())
    assert ("X-Test" in text or "x-test" in text) and "q=a+b" in text and "GET" in text


# --- every error kind through the awaitable -----------------------------------------------------


def test_api_error(client: fiks.Client) -> None:
    with pytest.raises(fiks.ApiError) as e:
        asyncio.run(client.request_async("GET", "/status/404"))
    assert e.value.status == 404 and e.value.error_id and e.value.error_code == "MOCK_FEIL"


def test_token_error(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(issuer="ukjent-klient"))
    with pytest.raises(fiks.TokenError) as e:
        asyncio.run(c.headers_async())
    assert e.value.problem == "maskinporten_refused" and e.value.mp_code == "MP-100"
    with pytest.raises(fiks.TokenError) as e:
        asyncio.run(fiks.Client(**mock.kwargs()).access_token_async(scopes="ks:ikke-tildelt"))
    assert e.value.error == "invalid_scope"


def test_transport_error(mock: Mock) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = fiks.Client(**mock.kwargs(fiks_base_url=f"http://127.0.0.1:{port}", max_retries=0))
    with pytest.raises(fiks.TransportError) as e:
        asyncio.run(c.request_async("GET", "/echo"))
    assert e.value.problem == "connect"


def test_usage_errors(client: fiks.Client, mock: Mock) -> None:
    # Arguments that cannot make a request fail at the call, like request()'s.
    with pytest.raises(TypeError):
        client.request_async("POST", "/echo", json={}, data=b"")
    with pytest.raises(ValueError):
        client.request_async("GET", "/echo", timeout=-1)
    with pytest.raises(fiks.ConfigError):
        client.request_async("NOT A METHOD", "/echo")
    # A request the rules refuse fails through the awaitable, before anything is sent.
    with pytest.raises(fiks.UsageError):
        asyncio.run(client.request_async("GET", "https://annen.example/echo"))
    assert mock.counters()["fiks_requests"] == 0


def test_an_unreferenced_client_lives_until_its_call_is_done(mock: Mock) -> None:
    """The awaitable holds its client, as a bound method would."""
    r = asyncio.run(fiks.Client(**mock.kwargs()).request_async("GET", "/echo"))
    assert r.status == 200


def test_config_error_from_a_person_token_callable(mock: Mock) -> None:
    c = fiks.Client(
        person_token=lambda: "",
        fiks_base_url=mock["fiks_base_url"],
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
    )
    with pytest.raises(fiks.ConfigError):
        asyncio.run(c.headers_async())


def test_person_token_callable_that_raises(mock: Mock) -> None:
    def broken() -> str:
        raise LookupError("ingen innlogget bruker")

    c = fiks.Client(
        person_token=broken,
        fiks_base_url=mock["fiks_base_url"],
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
    )
    with pytest.raises(fiks.TokenError) as e:
        asyncio.run(c.request_async("GET", "/echo"))
    assert isinstance(e.value.__cause__, LookupError)


# --- cancellation and closing -------------------------------------------------------------------


def test_cancelling_one_waiter_leaves_the_shared_fetch_to_the_others(client: fiks.Client, mock: Mock) -> None:
    mock.token_delay(1500)

    async def main() -> None:
        a = asyncio.ensure_future(client.headers_async())
        b = asyncio.ensure_future(client.headers_async())
        await until(lambda: mock.counters()["token_requests"] == 1)  # the fetch is on its way
        a.cancel()
        with pytest.raises(asyncio.CancelledError):
            await a
        headers = await b
        assert headers["Authorization"].startswith("Bearer ")

    asyncio.run(main())
    assert mock.counters()["token_requests"] == 1


def test_cancelling_the_only_waiter_keeps_the_token_for_the_next(client: fiks.Client, mock: Mock) -> None:
    mock.token_delay(1000)

    async def main() -> None:
        a = asyncio.ensure_future(client.access_token_async())
        await until(lambda: mock.counters()["token_requests"] == 1)
        a.cancel()
        with pytest.raises(asyncio.CancelledError):
            await a
        assert await client.access_token_async()

    asyncio.run(main())
    assert mock.counters()["token_requests"] == 1


def test_wait_for_timeout_cancels_the_call(client: fiks.Client, mock: Mock) -> None:
    mock.token_delay(3000)

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.request_async("GET", "/echo"), timeout=0.2)

    asyncio.run(main())
    assert mock.counters()["fiks_requests"] == 0


def test_closing_the_client_ends_pending_calls(mock: Mock) -> None:
    mock.token_delay(3000)
    c = fiks.Client(**mock.kwargs())

    async def main() -> List[BaseException]:
        calls: List[Awaitable[Any]] = [c.headers_async(), c.access_token_async(), c.request_async("GET", "/echo")]
        tasks = [asyncio.ensure_future(x) for x in calls]
        await until(lambda: mock.counters()["token_requests"] == 1)
        c.close()
        return [r for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException)]

    errors = asyncio.run(main())
    assert len(errors) == 3
    for e in errors:
        assert isinstance(e, fiks.CancelledError) and e.problem == "client_closed"
    with pytest.raises(fiks.UsageError):
        c.headers_async()


# --- no thread per waiter, nothing kept alive ---------------------------------------------------


def test_many_waiters_borrow_no_thread(client: fiks.Client, mock: Mock) -> None:
    client.access_token()  # the library thread exists from here on
    client.clear_cache()
    mock.reset()
    mock.token_delay(500)

    async def main() -> int:
        before = os_threads()
        tasks = [asyncio.ensure_future(client.headers_async()) for _ in range(200)]
        await until(lambda: mock.counters()["token_requests"] == 1)
        during = os_threads()
        results = await asyncio.gather(*tasks)
        assert len({r["Authorization"] for r in results}) == 1
        return during - before

    assert asyncio.run(main()) == 0
    assert mock.counters()["token_requests"] == 1


def test_a_dispatcher_lives_as_long_as_its_loop(client: fiks.Client) -> None:
    gc.collect()  # the loops of earlier tests
    assert len(_aio._dispatchers) == 0

    async def main() -> None:
        await client.headers_async()
        client.clear_cache()
        await client.headers_async()  # on the library thread: a dispatcher for this loop
        assert len(_aio._dispatchers) == 1

    for _ in range(3):
        asyncio.run(main())
    gc.collect()
    assert len(_aio._dispatchers) == 0


def test_a_loop_in_another_thread(client: fiks.Client, mock: Mock) -> None:
    """Each thread's loop gets its own completions; results reach the right loop."""
    results: List[str] = []

    def run() -> None:
        async def main() -> str:
            return str((await client.request_async("GET", "/echo")).json())

        results.append(asyncio.run(main()))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(mock["integrasjon_id"] in r for r in results)


# --- trio (and anyio on trio, where httpx runs) -------------------------------------------------


def test_trio(client: fiks.Client, mock: Mock) -> None:
    async def main() -> None:
        headers = await client.headers_async()
        assert headers["IntegrasjonId"] == mock["integrasjon_id"]
        r = await client.request_async("POST", SOK, json={"sok": "byggesak"})
        assert r.status == 200
        with pytest.raises(fiks.ApiError):
            await client.request_async("GET", "/status/404")

    trio.run(main)


def test_trio_cancellation(client: fiks.Client, mock: Mock) -> None:
    """A cancelled trio task leaves the shared fetch to the one still waiting."""
    mock.token_delay(1500)
    got: List[str] = []

    async def waiter() -> None:
        got.append(await client.access_token_async())

    async def cancelled_waiter(scopes: List[trio.CancelScope]) -> None:
        with trio.CancelScope() as scope:
            scopes.append(scope)
            await client.access_token_async()
            got.append("not cancelled")

    async def main() -> None:
        scopes: List[trio.CancelScope] = []
        async with trio.open_nursery() as nursery:
            nursery.start_soon(waiter)
            nursery.start_soon(cancelled_waiter, scopes)
            while not scopes or mock.counters()["token_requests"] != 1:
                await trio.sleep(0.005)
            scopes[0].cancel()

    trio.run(main)
    assert len(got) == 1 and got[0] != "not cancelled"
    assert mock.counters()["token_requests"] == 1


def test_trio_cancel_scope_cancels_the_call(client: fiks.Client, mock: Mock) -> None:
    mock.token_delay(1500)

    async def main() -> bool:
        with trio.move_on_after(0.2) as scope:
            await client.headers_async()
        return scope.cancelled_caught

    assert trio.run(main) is True


def test_httpx_auth_under_anyio_trio(client: fiks.Client, mock: Mock) -> None:
    import anyio
    import httpx

    async def main() -> List[int]:
        async with httpx.AsyncClient(auth=client.httpx_auth(), timeout=30) as h:
            statuses = []
            for i in range(3):
                r = await h.post(mock["fiks_base_url"].rstrip("/") + SOK, json={"sok": str(i)})
                statuses.append(r.status_code)
            return statuses

    assert anyio.run(main, backend="trio") == [200] * 3
    assert mock.counters()["tokens_issued"] == 1
