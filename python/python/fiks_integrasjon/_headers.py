"""``fiks_integrasjon.Headers``: HTTP headers as a read-only, case-insensitive mapping.

The type of ``Response.headers`` and of ``FiksError.response_headers``; it behaves like the
headers of ``requests`` and ``httpx`` for reading:

>>> h = Headers([("content-type", "application/json"), ("set-cookie", "a=1"), ("Set-Cookie", "b=2")])
>>> h["Content-Type"], h.get("CONTENT-TYPE"), "content-type" in h, len(h)
('application/json', 'application/json', True, 2)
>>> h["set-cookie"], h.get_list("Set-Cookie")
('a=1, b=2', ['a=1', 'b=2'])
>>> list(h), h.get("x-mangler", "-")
(['content-type', 'set-cookie'], '-')
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Mapping, Tuple, Union

__all__ = ["Headers"]


class Headers(Mapping[str, str]):
    """Read-only HTTP headers; names are case-insensitive.

    - ``h["Content-Type"]``, ``h.get("content-type")``, ``"Content-Type" in h`` match any case;
    - a header sent more than once reads as its values joined with ``", "``;
      ``h.get_list(name)`` gives each value apart (``Set-Cookie``);
    - iterating gives each name once, in lower case, in the order first received; ``len(h)``
      counts those names; ``items()``, ``keys()`` and ``values()`` work as for any mapping;
    - ``h.multi_items()`` gives every ``(name, value)`` pair as received;
    - ``h == {"content-type": "application/json"}`` compares names case-insensitively.
    """

    __slots__ = ("_pairs", "_joined")

    _pairs: Tuple[Tuple[str, str], ...]
    _joined: Dict[str, str]

    def __init__(self, headers: Union[Mapping[str, str], Iterable[Tuple[str, str]], None] = None) -> None:
        if headers is None:
            pairs: Iterable[Tuple[str, str]] = ()
        elif isinstance(headers, Mapping):
            pairs = headers.items()
        else:
            pairs = headers
        kept: List[Tuple[str, str]] = []
        joined: Dict[str, str] = {}
        for name, value in pairs:
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError("header names and values must be str")
            kept.append((name, value))
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        self._pairs = tuple(kept)
        self._joined = joined

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        return self._joined[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._joined

    def __iter__(self) -> Iterator[str]:
        return iter(self._joined)

    def __len__(self) -> int:
        return len(self._joined)

    def get_list(self, name: str) -> List[str]:
        """Every value of the header ``name`` (any case), in the order received; ``[]`` when
        it is absent."""
        key = name.lower()
        return [v for n, v in self._pairs if n.lower() == key]

    def multi_items(self) -> List[Tuple[str, str]]:
        """Every ``(name, value)`` pair as received (a repeated header once per value)."""
        return list(self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._joined == other._joined
        if isinstance(other, Mapping):
            return self._joined == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # like dict: equal to mappings, so unhashable

    def __repr__(self) -> str:
        return f"Headers({dict(self._joined)!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Headers, (list(self._pairs),))

    def copy(self) -> Dict[str, str]:
        """The headers as a plain ``dict`` (lower-case names, repeated values joined)."""
        return dict(self._joined)
