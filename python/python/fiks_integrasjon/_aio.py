"""Awaitables over the library thread: what ``Client.headers_async()``,
``access_token_async()`` and ``request_async()`` return.

A call is started on the library's own thread (no worker thread per call). Its result is
queued there in a per-event-loop ``_Completions`` queue, and the loop is woken once per batch
(``loop.call_soon_threadsafe`` under asyncio, ``TrioToken.run_sync_soon`` under trio — anyio
runs on either); ``_drain`` then resolves every waiter on the loop's own thread. Cancelling the
awaiting task cancels the call; a token fetch other callers share goes on.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

from . import _native

__all__ = ["wait", "ready"]

T = TypeVar("T")

_ids = itertools.count()

try:  # sniffio comes with httpx and anyio; without it only asyncio can be running.
    import sniffio as _sniffio
except ImportError:  # pragma: no cover - depends on the environment
    _sniffio = None  # type: ignore[assignment]


def _library() -> str:
    if _sniffio is not None:
        try:
            return str(_sniffio.current_async_library())
        except _sniffio.AsyncLibraryNotFoundError:
            pass
    return "asyncio"


class _Dispatcher:
    """The completions of one event loop and the waiters they resolve.

    Nothing here holds the loop (or the trio token) strongly, and the native queue holds the
    dispatcher only weakly: a dispatcher lives exactly as long as its loop.
    """

    __slots__ = ("waiters", "native", "__weakref__")

    def __init__(self, key: Any, schedule_name: str) -> None:
        self.waiters: Dict[int, Callable[[bool, Any], None]] = {}
        try:
            key_ref: Callable[[], Any] = weakref.ref(key)
        except TypeError:  # a loop that takes no weak references: hold it for this call only
            key_ref = lambda: key  # noqa: E731
        self_ref = weakref.ref(self)

        def schedule(drain: Callable[[], None]) -> None:
            # On the library thread, once per batch of completions.
            k = key_ref()
            if k is not None:
                getattr(k, schedule_name)(drain)

        def drain() -> None:
            d = self_ref()
            if d is not None:
                d._drain()

        self.native = _native._Completions(schedule, drain)

    def _drain(self) -> None:
        for call_id, ok, value in self.native.take():
            resolve = self.waiters.pop(call_id, None)
            if resolve is not None:  # None: its waiter was cancelled
                resolve(ok, value)


# One dispatcher per running loop (asyncio loop or trio token), dropped with it.
_dispatchers: "weakref.WeakKeyDictionary[Any, _Dispatcher]" = weakref.WeakKeyDictionary()


def _dispatcher(key: Any, schedule_name: str) -> _Dispatcher:
    try:
        d = _dispatchers.get(key)
        if d is None:
            d = _dispatchers[key] = _Dispatcher(key, schedule_name)
        return d
    except TypeError:  # a loop that takes no weak references: one dispatcher per call
        return _Dispatcher(key, schedule_name)


async def ready(value: T) -> T:
    """An awaitable that is already done (a fresh cached value)."""
    return value


async def wait(starter: Callable[[Any, int], Any]) -> Any:
    """Starts the call (``starter(completions, id)``) and awaits its result."""
    if _library() == "trio":
        return await _wait_trio(starter)
    loop = asyncio.get_running_loop()
    d = _dispatcher(loop, "call_soon_threadsafe")
    future: asyncio.Future[Any] = loop.create_future()

    def resolve(ok: bool, value: Any) -> None:
        if not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    call_id = next(_ids)
    d.waiters[call_id] = resolve
    try:
        call = starter(d.native, call_id)
    except BaseException:
        d.waiters.pop(call_id, None)
        raise
    try:
        return await future
    except asyncio.CancelledError:
        d.waiters.pop(call_id, None)
        call.cancel()
        raise


async def _wait_trio(starter: Callable[[Any, int], Any]) -> Any:
    import trio

    token = trio.lowlevel.current_trio_token()
    d = _dispatcher(token, "run_sync_soon")
    task = trio.lowlevel.current_task()
    outcome: Optional[Tuple[bool, Any]] = None

    def resolve(ok: bool, value: Any) -> None:
        nonlocal outcome
        outcome = (ok, value)
        trio.lowlevel.reschedule(task)

    call_id = next(_ids)
    d.waiters[call_id] = resolve
    try:
        call = starter(d.native, call_id)
    except BaseException:
        d.waiters.pop(call_id, None)
        raise

    def abort(_raise_cancel: Any) -> Any:
        d.waiters.pop(call_id, None)
        call.cancel()
        return trio.lowlevel.Abort.SUCCEEDED

    await trio.lowlevel.wait_task_rescheduled(abort)
    assert outcome is not None
    ok, value = outcome
    if ok:
        return value
    raise value
