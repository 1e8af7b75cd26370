"""The newer configuration keys through the binding: ``discovery`` (a ``flag``: takes a
``bool``), JWK private keys, certificates without a Norwegian orgnr, and the disk token cache.

Their rules are the core's; these tests check that the keyword arguments reach it as the key
table says and that the results come back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Mock

import fiks_integrasjon as fiks

#: Nothing listens here: a client that posts its grant to it fails.
DEAD_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"


def test_discovery_finds_the_token_endpoint(mock: Mock) -> None:
    discovered = mock.metadata_token_path("/discovered/token")
    assert discovered.endswith("/discovered/token")
    with fiks.Client(**mock.kwargs(token_endpoint=DEAD_TOKEN_ENDPOINT, discovery=True, max_retries=0)) as c:
        assert c.config["discovery"] == "true"
        assert c.access_token()
    counters = mock.counters()
    assert counters["metadata_requests"] >= 1
    assert counters["tokens_issued"] == 1


def test_without_discovery_the_configured_endpoint_is_used(mock: Mock) -> None:
    mock.metadata_token_path("/discovered/token")
    kwargs = mock.kwargs(token_endpoint=DEAD_TOKEN_ENDPOINT, discovery=False, max_retries=0, timeout_seconds=5)
    with fiks.Client(**kwargs) as c:
        assert "discovery" not in c.config
        with pytest.raises(fiks.TransportError):
            c.access_token()
    assert mock.counters()["metadata_requests"] == 0


def test_flag_keys_take_a_bool_and_only_flag_keys_do(mock: Mock) -> None:
    assert fiks.CONFIG_KEYS["discovery"].kind == "flag"
    for value in (True, "true", "yes", "on", "1"):
        with fiks.Client(**mock.kwargs(discovery=value)) as c:
            assert c.config["discovery"] == "true", value
    for value in (False, "false", "no", "off", "0"):
        with fiks.Client(**mock.kwargs(discovery=value)) as c:
            assert "discovery" not in c.config, value
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**mock.kwargs(discovery="kanskje"))
    assert e.value.key == "discovery"
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**mock.kwargs(discovery=1))
    assert e.value.key == "discovery" and "bool" in str(e.value)
    # A bool is no number, no text: only the flag kind takes it.
    for key in ("timeout_seconds", "max_retries", "issuer", "scopes"):
        with pytest.raises(fiks.ConfigError) as e:
            fiks.Client(**mock.kwargs(**{key: True}))
        assert e.value.key == key


def test_a_jwk_private_key_alone(mock: Mock) -> None:
    kwargs = mock.kwargs(certificate=None, certificate_password=None, private_key=Path(mock["key_jwk"]))
    with fiks.Client(**kwargs) as c:
        assert c.access_token()
        assert c.certificate is None
    header = mock.counters()["last_grant_header"]
    assert header["kid"] == mock["kid"] and "x5c" not in header


def test_a_certificate_without_a_norwegian_orgnr(mock: Mock) -> None:
    with fiks.Client(**mock.kwargs(certificate=mock["eseal_p12"])) as c:
        info = c.certificate
        assert info is not None
        assert info.orgnr is None
        assert "orgnr=None" in repr(info)
        assert c.access_token()
    assert mock.counters()["tokens_issued"] == 1


def test_the_disk_token_cache_shares_tokens_between_clients(mock: Mock, tmp_path: Path) -> None:
    kwargs = mock.kwargs(token_cache="disk", token_cache_dir=tmp_path)
    with fiks.Client(**kwargs) as first:
        assert first.config["token_cache"] == "disk"
        assert first.config["token_cache_dir"] == str(tmp_path)
        token = first.access_token()
    with fiks.Client(**kwargs) as second:
        assert second.access_token() == token
    assert mock.counters()["token_requests"] == 1
    assert any(tmp_path.iterdir())
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**mock.kwargs(token_cache="redis"))
    assert e.value.key == "token_cache"
