"""``httpx`` integration: ``httpx.Client(auth=client.httpx_auth())`` and
``httpx.AsyncClient(auth=client.httpx_auth())``. Imported on first use (needs ``httpx``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, AsyncGenerator, Dict, Generator

import httpx

if TYPE_CHECKING:
    from ._native import Client

__all__ = ["HttpxAuth"]

_log = logging.getLogger("fiks_integrasjon")


class HttpxAuth(httpx.Auth):
    """Adds the three Fiks headers to requests the core allows them on.

    - Only a URL under ``fiks_base_url``, or on an origin listed in ``allowed_origins``, gets
      the headers; a request to any other URL passes through untouched.
    - On a ``401`` answer the core decides: the token is evicted and the request sent once
      more with a fresh one — at most once per token lifetime. A ``401`` to a token that was
      itself fetched after a ``401`` means Fiks refuses the integrasjon: that answer is
      returned as it is, and no token is fetched.
    - In ``httpx.AsyncClient`` the event loop is never blocked and no worker thread is used: a
      fresh cached token is used at once, and a token fetch runs on the library's own thread
      (``Client.headers_async()``, under asyncio or trio).

    Note: httpx follows redirects outside the auth flow and, on a redirect to another origin,
    strips only ``Authorization``; keep ``follow_redirects=False`` (the default) for Fiks
    calls, so ``IntegrasjonId`` and ``IntegrasjonPassord`` are not sent elsewhere.
    """

    # The body is read before sending, so the request can be sent again after a 401.
    requires_request_body = True

    def __init__(self, client: Client) -> None:
        self.client = client

    def __repr__(self) -> str:
        return "<fiks_integrasjon.HttpxAuth>"

    def _allowed(self, request: httpx.Request) -> bool:
        if self.client.may_send_headers(str(request.url)):
            return True
        _log.debug("not adding the Fiks headers: the URL is not under fiks_base_url nor in allowed_origins")
        return False

    def _renew(self, sent: Dict[str, str], response: httpx.Response) -> bool:
        """After an answer to a request that carried ``sent``: whether to send it once more."""
        if response.status_code != 401:
            return False
        if any(response.request.headers.get(name) != value for name, value in sent.items()):
            return False  # the answer came from a request without them (a redirect elsewhere)
        return self.client.evict_access_token(sent.get("Authorization", ""))

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._allowed(request):
            yield request
            return
        sent = self.client.headers()
        request.headers.update(sent)
        response = yield request
        if self._renew(sent, response):
            request.headers.update(self.client.headers())
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self._allowed(request):
            yield request
            return
        sent = await self._headers_async()
        request.headers.update(sent)
        response = yield request
        if self._renew(sent, response):
            request.headers.update(await self._headers_async())
            yield request

    async def _headers_async(self) -> Dict[str, str]:
        return await self.client.headers_async()
