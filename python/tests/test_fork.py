"""After os.fork() (gunicorn, multiprocessing) a child works: it rebuilds its runtime."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Dict

import pytest
from conftest import Mock

import fiks_integrasjon as fiks

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

_client: Any = None


def _child_work(_: int) -> Dict[str, Any]:
    token = _client.access_token()
    status = _client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "fra barn"}).status
    return {"pid": os.getpid(), "token": token, "status": status, "stats": _client.stats()}


def test_multiprocessing_fork_children_work(client: fiks.Client, mock: Mock) -> None:
    global _client
    _client = client
    parent_token = client.access_token()  # the parent's runtime thread is live when forking
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        result = pool.map_async(_child_work, range(4))
        results = result.get(timeout=60)
    assert {r["status"] for r in results} == {200}
    assert all(r["pid"] != os.getpid() for r in results)
    # Each child built its own runtime and cache (one token per child process).
    assert all(r["stats"]["token_requests"] <= 1 for r in results)
    # The parent is unaffected.
    assert client.access_token() == parent_token
    assert client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "forelder"}).status == 200


def test_os_fork_child_gets_a_token_and_never_hangs(client: fiks.Client) -> None:
    client.access_token()
    client.clear_cache()  # the child must fetch, through a runtime of its own
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            os.close(read_end)
            token = client.access_token()
            os.write(write_end, b"ok " + str(len(token)).encode())
            code = 0
        except BaseException as e:  # noqa: BLE001
            os.write(write_end, repr(e).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    import select

    ready, _, _ = select.select([read_end], [], [], 60)
    if not ready:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    message = os.read(read_end, 1000).decode()
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    assert message.startswith("ok "), message
    assert os.waitstatus_to_exitcode(status) == 0


def test_child_can_close_and_drop_the_inherited_client(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs())
    c.access_token()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            c.close()  # must not touch (or wait for) the parent's runtime thread
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert c.access_token()
