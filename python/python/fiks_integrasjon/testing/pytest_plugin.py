"""pytest fixtures for code that uses fiks_integrasjon: the strict local mock, offline.

Registered through the ``pytest11`` entry point ``fiks_integrasjon`` when the package is
installed, so a test suite needs no conftest.py for them (``-p no:fiks_integrasjon`` turns the
plugin off). Importing it starts nothing and looks for no program: a missing mock fails only
the tests that use these fixtures, with the install line ``pip install "fiks-integrasjon[testing]"``.

- ``fiks_mock``: one :class:`fiks_integrasjon.testing.FiksMock` for the test session, reset
  (no faults, no delay, zeroed counters, no tokens) before every test that uses it.
- ``fiks_client``: a ready :class:`fiks_integrasjon.Client` for it, closed after the test.

The program is ``$FIKS_MOCK_BIN`` when set, else the one the ``fiks-integrasjon-mock`` wheel
installed (see :func:`fiks_integrasjon.testing.mock_binary`). A conftest.py may override
``fiks_mock`` (a session fixture yielding a FiksMock, e.g. started with ``args=["--tls"]``);
the reset and ``fiks_client`` then use that one.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .. import Client
from ._mock import FiksMock


@pytest.fixture(scope="session")
def fiks_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FiksMock]:
    """One running fiks-integrasjon-mock for the session (reset before each test using it)."""
    with FiksMock(directory=tmp_path_factory.mktemp("fiks-mock")) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _fiks_mock_reset(request: pytest.FixtureRequest) -> None:
    """Every test that uses ``fiks_mock`` (directly or through another fixture) starts with a
    fresh mock: no faults, no delay, zeroed counters, no tokens handed out."""
    if "fiks_mock" in request.fixturenames:
        mock: FiksMock = request.getfixturevalue("fiks_mock")
        mock.reset()


@pytest.fixture
def fiks_client(fiks_mock: FiksMock) -> Iterator[Client]:
    """A :class:`fiks_integrasjon.Client` in Maskinporten mode for ``fiks_mock``, closed after the test."""
    with fiks_mock.client() as client:
        yield client
