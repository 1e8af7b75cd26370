"""Integrasjon-person mode: a citizen's token instead of Maskinporten."""

from __future__ import annotations

from typing import List

import pytest
from conftest import Mock

import fiks_integrasjon as fiks


def person_kwargs(mock: Mock) -> dict:
    return dict(
        fiks_base_url=mock["fiks_base_url"],
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
    )


def test_fixed_person_token(mock: Mock) -> None:
    c = fiks.Client(person_token=mock["person_token"], **person_kwargs(mock))
    assert c.mode == "person"
    assert c.certificate is None
    assert c.access_token() == mock["person_token"]
    assert c.headers()["Authorization"] == "Bearer " + mock["person_token"]
    assert c.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "byggesak"}).status == 200
    assert mock.counters()["token_requests"] == 0
    assert mock["person_token"] not in repr(c)


def test_person_token_callable_is_called_for_fresh_headers(mock: Mock) -> None:
    calls: List[int] = []

    def current_token() -> str:
        calls.append(1)
        return str(mock["person_token"])

    c = fiks.Client(person_token=current_token, **person_kwargs(mock))
    assert c.headers()["Authorization"] == "Bearer " + mock["person_token"]
    assert c.request("GET", "/echo").status == 200
    assert len(calls) >= 2
    assert "person_token=<redacted>" in repr(c)  # the callable is a secret too: never shown


def test_person_token_callable_that_raises(mock: Mock) -> None:
    def broken() -> str:
        raise LookupError("ingen innlogget bruker")

    c = fiks.Client(person_token=broken, **person_kwargs(mock))
    with pytest.raises(fiks.TokenError) as e:
        c.headers()
    assert e.value.error == "person_token_provider"
    assert isinstance(e.value.__cause__, LookupError)
    assert "LookupError" in str(e.value)


def test_person_token_callable_returning_garbage(mock: Mock) -> None:
    c = fiks.Client(person_token=lambda: "", **person_kwargs(mock))
    with pytest.raises(fiks.ConfigError):
        c.headers()
    c = fiks.Client(person_token=lambda: 42, **person_kwargs(mock))  # type: ignore[arg-type,return-value]
    with pytest.raises(fiks.TokenError) as e:
        c.headers()
    assert isinstance(e.value.__cause__, TypeError)


def test_person_mode_needs_the_integrasjon(mock: Mock) -> None:
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(person_token="abc", fiks_base_url=mock["fiks_base_url"])
    assert e.value.key == "integrasjon_id"
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(person_token="abc", certificate=mock["p12"], **person_kwargs(mock))
    assert e.value.key == "person_token"


def test_other_scopes_need_maskinporten(mock: Mock) -> None:
    c = fiks.Client(person_token="abc", **person_kwargs(mock))
    with pytest.raises(fiks.UsageError):
        c.access_token(scopes="ks:annet")
