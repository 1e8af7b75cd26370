"""``requests`` integration: ``requests.post(url, json=..., auth=client.requests_auth())``.

Works with any ``requests`` version (it only relies on the ``auth`` callable protocol and
response hooks), and does not import ``requests`` itself. Every decision is the core's:
where the Fiks headers may go (``Client.may_send_headers``), whether a redirect keeps them,
and whether a ``401`` may renew the token (``Client.evict_access_token``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict

if TYPE_CHECKING:
    from requests import PreparedRequest, Response

    from ._native import Client

__all__ = ["RequestsAuth"]

_log = logging.getLogger("fiks_integrasjon")


class RequestsAuth:
    """Adds the three Fiks headers to requests the core allows them on.

    - Only a URL under ``fiks_base_url``, or on an origin listed in ``allowed_origins``, gets
      the headers. A request to any other URL passes through untouched: no header is added
      (so one ``requests.Session`` may also call other hosts).
    - Before ``requests`` follows a redirect, the Fiks headers are removed unless the redirect
      stays on the same origin and its target is allowed (``requests`` itself only strips
      ``Authorization``, and only across hosts). Once removed they are never added back, also
      not when the redirect target answers ``401``.
    - On a ``401`` answer to a request that carried them, the core decides: the token is
      evicted and the request sent once more with a fresh one (when its body can be sent
      again) — at most once per token lifetime. A ``401`` to a token that was itself fetched
      after a ``401`` means Fiks refuses the integrasjon (``integrasjon_id`` or
      ``integrasjon_passord``): that answer is returned as it is, and no token is fetched.
    """

    def __init__(self, client: Client) -> None:
        self.client = client

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        if not r.url or not self.client.may_send_headers(r.url):
            _log.debug("not adding the Fiks headers: the URL is not under fiks_base_url nor in allowed_origins")
            return r
        sent = self.client.headers()
        r.headers.update(sent)
        r.register_hook("response", _Hook(self.client, sent))  # type: ignore[no-untyped-call]
        return r

    def __repr__(self) -> str:
        return "<fiks_integrasjon.RequestsAuth>"


class _Hook:
    """The response hook of one request: knows the Fiks headers that were put on it."""

    def __init__(self, client: Client, sent: Dict[str, str]) -> None:
        self.client = client
        self.sent = sent

    def carries_them(self, request: PreparedRequest) -> bool:
        """Whether ``request`` still carries the Fiks headers this hook put on it."""
        return all(request.headers.get(name) == value for name, value in self.sent.items())

    def __call__(self, response: Response, **kwargs: Any) -> Response:
        request = response.request
        if response.is_redirect:
            location = response.headers.get("location", "")
            if not self.client._redirect_keeps_headers(response.url, location):
                for name in self.sent:
                    request.headers.pop(name, None)
            return response
        if response.status_code != 401 or getattr(request, "_fiks_retried", False):
            return response
        if not self.carries_them(request):
            return response  # removed before a redirect: never added back
        if request.body is not None and not isinstance(request.body, (bytes, str)):
            return response  # a stream cannot be sent twice
        if not self.client.evict_access_token(self.sent.get("Authorization", "")):
            return response  # Fiks refuses the integrasjon, not the token: no retry
        retry = request.copy()
        retry._fiks_retried = True  # type: ignore[attr-defined]
        retry.headers.update(self.client.headers())
        response.content  # noqa: B018  (read the body so the connection can be reused)
        response.close()
        connection = getattr(response, "connection", None)
        if connection is None:
            return response
        again: Response = connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
