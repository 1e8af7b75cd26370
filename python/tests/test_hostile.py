"""Hostile answers through Python: bounded memory, clear exceptions (the caps are core's)."""

from __future__ import annotations

import pytest
from conftest import Mock

import fiks_integrasjon as fiks


def test_an_endless_error_body_is_kept_truncated(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(max_retries=0, timeout_seconds=60))
    c.access_token()
    mock.fault("fiks", "endless_error")
    with pytest.raises(fiks.ApiError) as e:
        c.request("GET", "/echo")
    assert e.value.status == 400 and e.value.body_truncated is True
    assert len(e.value.body) == 1024 * 1024 and e.value.problem == "not_a_fiks_error"
    with pytest.raises(fiks.ApiError) as e:
        c.request("GET", "/status/404")
    assert e.value.body_truncated is False


def test_an_answer_over_max_response_bytes(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(max_retries=0, timeout_seconds=60, max_response_bytes=1024 * 1024))
    assert c.config["max_response_bytes"] == "1048576"
    mock.fault("fiks", "endless")
    with pytest.raises(fiks.TransportError) as e:
        c.request("GET", "/echo")
    assert e.value.problem == "too_large" and e.value.config_key == "max_response_bytes"
    assert "max_response_bytes" in str(e.value) and e.value.hint and "max_response_bytes" in e.value.hint
    assert c.request("GET", "/echo").status == 200


def test_an_endless_token_answer(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(max_retries=0, timeout_seconds=60))
    mock.fault("token", "endless")
    with pytest.raises(fiks.TransportError) as e:
        c.access_token()
    assert e.value.problem == "invalid_response" and "65536" in str(e.value)


def test_the_cap_is_a_config_key() -> None:
    key = fiks.CONFIG_KEYS["max_response_bytes"]
    assert key.kind == "count" and key.default == "67108864"
