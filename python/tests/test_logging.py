"""The core's tracing events reach the logging logger ``fiks_integrasjon``, without secrets."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from conftest import Mock, secrets_of

import fiks_integrasjon as fiks


def _all_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)


def test_token_requests_are_logged_at_debug(mock: Mock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="fiks_integrasjon")
    c = fiks.Client(**mock.kwargs())
    token = c.access_token()
    c.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "x"})
    records = [r for r in caplog.records if r.name == "fiks_integrasjon"]
    assert any("requesting a Maskinporten token" in r.getMessage() for r in records)
    r = next(r for r in records if "requesting a Maskinporten token" in r.getMessage())
    assert r.levelno == logging.DEBUG
    assert r.fiks_target.startswith("fiks_integrasjon")  # type: ignore[attr-defined]
    assert r.fiks_fields["key"] == "scope=ks:fiks"  # type: ignore[attr-defined]
    assert r.pathname.endswith(".rs") and r.lineno > 0
    text = _all_text(caplog) + repr(c)
    for secret in secrets_of(mock, token):
        assert secret not in text


def test_failures_are_logged_without_secrets(mock: Mock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="fiks_integrasjon")
    c = fiks.Client(**mock.kwargs(issuer="ukjent", max_retries=0))
    with pytest.raises(fiks.TokenError):
        c.access_token()
    assert any(r.name == "fiks_integrasjon" for r in caplog.records)
    text = _all_text(caplog)
    for secret in secrets_of(mock):
        assert secret not in text


def test_nothing_below_the_loggers_level(mock: Mock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fiks_integrasjon")
    c = fiks.Client(**mock.kwargs())
    c.access_token()
    assert not [r for r in caplog.records if r.name == "fiks_integrasjon" and r.levelno < logging.WARNING]


def test_events_from_the_runtime_thread(mock: Mock, caplog: pytest.LogCaptureFixture) -> None:
    """A background renewal (on the runtime thread) that fails logs a warning."""
    caplog.set_level(logging.DEBUG, logger="fiks_integrasjon")
    mock.token_lifetime(4)  # usable 3.6 s; renewed in the background from 1.8 s on
    c = fiks.Client(**mock.kwargs(max_retries=0))
    c.access_token()
    mock.fault("token", "503", times=5)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        c.headers()  # served from the cache; a read after 1.8 s starts the background renewal
        if any("background token renewal failed" in r.getMessage() for r in caplog.records):
            break
        time.sleep(0.05)
    warning = next(r for r in caplog.records if "background token renewal failed" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert warning.thread != threading.get_ident()  # emitted on the runtime thread


def test_info_shows_token_fetches_retries_and_final_failures(mock: Mock, caplog: pytest.LogCaptureFixture) -> None:
    """issue 13: at INFO the logger tells the story of a call without the DEBUG detail."""
    caplog.set_level(logging.INFO, logger="fiks_integrasjon")
    c = fiks.Client(**mock.kwargs(max_retries=1))
    token = c.access_token()
    mock.fault("fiks", "503", times=2)  # the first try and its one retry
    with pytest.raises(fiks.ApiError):
        c.request("GET", "/echo")
    records = [r for r in caplog.records if r.name == "fiks_integrasjon"]
    assert records and all(r.levelno >= logging.INFO for r in records)
    fetched = [r for r in records if "lifetime_s" in r.fiks_fields]  # type: ignore[attr-defined]
    assert len(fetched) == 1 and fetched[0].levelno == logging.INFO
    assert "ks:fiks" in fetched[0].fiks_fields["key"]  # type: ignore[attr-defined]
    retried = [r for r in records if "delay_ms" in r.fiks_fields]  # type: ignore[attr-defined]
    assert len(retried) == 1 and retried[0].fiks_fields["attempt"] == "1"  # type: ignore[attr-defined]
    failed = [r for r in records if r.fiks_fields.get("status") == "503"]  # type: ignore[attr-defined]
    assert failed and failed[-1].fiks_fields.get("attempts") == "2"  # type: ignore[attr-defined]
    text = _all_text(caplog)
    for secret in secrets_of(mock, token):
        assert secret not in text
