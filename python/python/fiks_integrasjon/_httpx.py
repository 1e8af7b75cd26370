"""``httpx`` integration: ``httpx.Client(auth=client.httpx_auth())`` and
``httpx.AsyncClient(auth=client.httpx_auth())``. Imported on first use (needs ``httpx``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncGenerator, Dict, Generator

import httpx

if TYPE_CHECKING:
    from ._native import Client

__all__ = ["HttpxAuth"]


class HttpxAuth(httpx.Auth):
    """Adds the three Fiks headers; on a ``401`` answer fetches a fresh token and resends once.

    In ``httpx.AsyncClient`` the event loop is never blocked: a fresh cached token is used at
    once, and a token fetch runs in a worker thread (``anyio.to_thread``).

    Note: httpx does not run auth again for redirects it follows; keep
    ``follow_redirects=False`` (the default) for Fiks calls, or only follow same-origin
    redirects, so ``IntegrasjonPassord`` is not sent elsewhere.
    """

    # The body is read before sending, so the request can be sent again after a 401.
    requires_request_body = True

    def __init__(self, client: Client) -> None:
        self.client = client

    def __repr__(self) -> str:
        return "<fiks_integrasjon.HttpxAuth>"

    def _stale(self, request: httpx.Request) -> bool:
        """Whether the token that got a 401 is still the cached one (then evict it)."""
        current = self.client._cached_headers()
        return current is None or current.get("Authorization") == request.headers.get("Authorization")

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.client.headers())
        response = yield request
        if response.status_code == 401:
            if self._stale(request):
                self.client.clear_cache()
            request.headers.update(self.client.headers())
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers.update(await self._headers_async())
        response = yield request
        if response.status_code == 401:
            if self._stale(request):
                self.client.clear_cache()
            request.headers.update(await self._headers_async())
            yield request

    async def _headers_async(self) -> Dict[str, str]:
        cached = self.client._cached_headers()
        if cached is not None:
            return cached
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.client.headers)
