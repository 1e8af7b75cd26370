"""``requests`` integration: ``requests.post(url, json=..., auth=client.requests_auth())``.

Works with any ``requests`` version (it only relies on the ``auth`` callable protocol and
response hooks), and does not import ``requests`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from requests import PreparedRequest, Response

    from ._native import Client

__all__ = ["RequestsAuth", "FIKS_HEADERS"]

#: The headers the auth objects set (and strip before a redirect to another origin).
FIKS_HEADERS = ("Authorization", "IntegrasjonId", "IntegrasjonPassord")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port or default)


class RequestsAuth:
    """Adds the three Fiks headers to every request (the token comes from the client's cache).

    - On a ``401`` answer it fetches a fresh token once and resends the request (when the
      body can be sent again).
    - Before ``requests`` follows a redirect to another origin, it removes the Fiks headers,
      so ``IntegrasjonPassord`` is never sent anywhere else (``requests`` itself only strips
      ``Authorization``).
    """

    def __init__(self, client: Client) -> None:
        self.client = client

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers.update(self.client.headers())
        r.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return r

    def __repr__(self) -> str:
        return "<fiks_integrasjon.RequestsAuth>"

    def _on_response(self, response: Response, **kwargs: Any) -> Response:
        request = response.request
        if response.is_redirect:
            target = response.headers.get("location", "")
            if target and request.url and _origin(response.url) != _origin(_join(response.url, target)):
                for name in FIKS_HEADERS:
                    request.headers.pop(name, None)
            return response
        if response.status_code != 401 or getattr(request, "_fiks_retried", False):
            return response
        if request.body is not None and not isinstance(request.body, (bytes, str)):
            return response  # a stream cannot be sent twice
        sent = request.headers.get("Authorization")
        current = self.client._cached_headers()
        if current is None or current.get("Authorization") == sent:
            self.client.clear_cache()
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


def _join(base: str, target: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, target)
