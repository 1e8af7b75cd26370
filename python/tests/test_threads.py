"""Sharing one client between threads, and the GIL being released while it waits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

from conftest import Mock

import fiks_integrasjon as fiks


def test_32_threads_one_token_request(client: fiks.Client, mock: Mock) -> None:
    mock.token_delay(300)  # everyone arrives while the one request is under way
    barrier = threading.Barrier(32)

    def work(_: int) -> str:
        barrier.wait()
        return client.headers()["Authorization"]

    with ThreadPoolExecutor(32) as pool:
        seen = set(pool.map(work, range(32)))
    assert len(seen) == 1
    assert client.stats()["token_requests"] == 1
    assert mock.counters()["tokens_issued"] == 1


def test_threads_share_calls(client: fiks.Client, mock: Mock) -> None:
    def work(i: int) -> int:
        return client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": str(i)}).status

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(work, range(32))) == [200] * 32
    assert mock.counters()["tokens_issued"] == 1


def test_gil_is_released_during_a_slow_token_fetch(client: fiks.Client, mock: Mock) -> None:
    mock.token_delay(1000)
    progress: List[int] = [0]
    done = threading.Event()

    def fetch() -> None:
        client.access_token()
        done.set()

    t = threading.Thread(target=fetch)
    started = time.monotonic()
    t.start()
    while not done.is_set() and time.monotonic() - started < 20:
        progress[0] += 1  # pure Python: only runs while the fetching thread has let go of the GIL
    t.join()
    elapsed = time.monotonic() - started
    assert elapsed >= 0.9
    # With the GIL held during the fetch this loop would barely run; released, it spins freely.
    assert progress[0] > 100_000


def test_gil_is_released_during_a_slow_fiks_call(client: fiks.Client, mock: Mock) -> None:
    client.access_token()
    mock.fault("fiks", "delay:800ms")
    ticks: List[float] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "x"})
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 50
