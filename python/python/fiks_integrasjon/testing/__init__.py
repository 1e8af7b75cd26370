"""fiks_integrasjon.testing: your test suite against the strict local mock, offline.

``pip install "fiks-integrasjon[testing]"`` installs the mock (the ``fiks-integrasjon-mock``
wheel: a program, no Rust toolchain needed) and pytest. Then, with no conftest.py:

>>> def test_sok(fiks_client, fiks_mock):              # doctest: +SKIP
...     assert fiks_client.post("/innsyn-sok/api/v1/sok", json={"sok": "byggesak"}).status == 200
...     assert fiks_mock.counters()["tokens_issued"] == 1

The fixtures come from the pytest plugin ``fiks_integrasjon.testing.pytest_plugin``
(registered as ``fiks_integrasjon``; ``-p no:fiks_integrasjon`` turns it off): ``fiks_mock``
is one :class:`FiksMock` per test session, reset before every test that uses it, and
``fiks_client`` a ready :class:`fiks_integrasjon.Client` for it, closed after the test.
Without pytest, ``with FiksMock() as mock: client = mock.client()`` does the same.
"""

from __future__ import annotations

from ._mock import FiksMock, MockStartError, mock_binary

__all__ = ["FiksMock", "MockStartError", "mock_binary"]

for _public in (FiksMock, MockStartError, mock_binary):
    _public.__module__ = __name__
del _public
