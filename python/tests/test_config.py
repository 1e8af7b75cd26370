"""Every way to configure a client: keyword arguments, TOML file, environment, and their order."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Mock, secrets_of

import fiks_integrasjon as fiks


def toml_line(key: str, value: str) -> str:
    return f'{key} = "{value}"\n'


def test_keyword_arguments_get_a_token(mock: Mock) -> None:
    with fiks.Client(**mock.kwargs()) as c:
        assert c.access_token()
        assert c.mode == "maskinporten"
        assert c.config["issuer"] == mock["issuer"]
        assert c.config["scopes"] == "ks:fiks"


def test_scopes_as_string_or_list(mock: Mock) -> None:
    a = fiks.Client(**mock.kwargs(scopes="ks:fiks ks:fiks:test"))
    b = fiks.Client(**mock.kwargs(scopes=["ks:fiks", "ks:fiks:test"]))
    assert a.config["scopes"] == b.config["scopes"] == "ks:fiks ks:fiks:test"
    c = fiks.Client(**mock.kwargs(scopes=("ks:fiks",)))
    assert c.config["scopes"] == "ks:fiks"


def test_paths_numbers_and_none(mock: Mock) -> None:
    c = fiks.Client(
        **mock.kwargs(certificate=Path(mock["p12"]), timeout_seconds=12.5, max_retries=2, refresh_ahead_seconds=5),
        pid=None,
    )
    assert c.config["timeout_seconds"] == "12.5"
    assert c.config["max_retries"] == "2"
    assert c.config["certificate"] == str(mock["p12"])
    assert "pid" not in c.config
    assert c.access_token()


def test_certificate_as_pkcs12_bytes(mock: Mock) -> None:
    data = Path(mock["p12"]).read_bytes()
    c = fiks.Client(**mock.kwargs(certificate=data))
    assert "in memory" in c.config["certificate"]
    assert c.access_token()


def test_certificate_bytes_take_the_password_from_the_environment(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The old binding paired the bytes with an empty password unless one was a keyword too."""
    data = Path(mock["p12"]).read_bytes()
    for key, value in mock.kwargs(certificate=None).items():
        if value is not None and not isinstance(value, dict):  # tables have no FIKS_* form
            monkeypatch.setenv("FIKS_" + key.upper(), str(value))
    c = fiks.Client.from_env(certificate=data)
    assert "in memory" in c.config["certificate"]
    assert c.access_token()


def test_certificate_bytes_take_the_password_from_the_file(mock: Mock) -> None:
    data = Path(mock["p12"]).read_bytes()
    c = fiks.Client.from_file(mock["config"], certificate=bytearray(data))
    assert "in memory" in c.config["certificate"]
    assert c.access_token()


def test_certificate_as_pem_text(mock: Mock) -> None:
    """A vault hands out PEM text: certificate= and private_key= take it, and never show it."""
    chain = Path(mock["chain_pem"]).read_text()
    key = Path(mock["key_pem"]).read_text()
    c = fiks.Client(**mock.kwargs(certificate=chain, private_key=key, certificate_password=None))
    assert c.access_token()
    shown = repr(c) + str(c.config)
    assert "BEGIN" not in shown and key.splitlines()[1] not in shown


@pytest.mark.parametrize("key", ["key_pem", "key_pkcs1_pem", "key_encrypted_pem"])
def test_pem_chain_and_private_key(mock: Mock, key: str) -> None:
    password = mock["password"] if key == "key_encrypted_pem" else None
    c = fiks.Client(**mock.kwargs(certificate=mock["chain_pem"], private_key=mock[key], certificate_password=password))
    info = c.certificate
    assert info is not None and info.orgnr == mock["orgnr"]
    assert c.access_token()


def test_registered_key_with_kid(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(certificate=None, certificate_password=None, private_key=mock["key_pem"], key_id=mock["kid"]))
    assert c.certificate is None
    assert c.access_token()
    assert mock.counters()["last_grant_header"]["kid"] == mock["kid"]


def test_legacy_pkcs12(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(certificate=mock["p12_legacy"]))
    assert c.access_token()


def test_from_file(mock: Mock) -> None:
    c = fiks.Client.from_file(mock["config"])
    assert c.access_token()
    assert c.config["integrasjon_id"] == mock["integrasjon_id"]


def test_from_file_keyword_arguments_override(mock: Mock, tmp_path: Path) -> None:
    c = fiks.Client.from_file(mock["config"], scopes=["ks:fiks", "ks:annet"], timeout_seconds=7)
    assert c.config["scopes"] == "ks:fiks ks:annet"
    assert c.config["timeout_seconds"] == "7"
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client.from_file(mock["config"], integrasjon_id="ikke-en-uuid")
    assert e.value.key == "integrasjon_id"


def test_from_file_missing_or_broken(tmp_path: Path) -> None:
    with pytest.raises(fiks.ConfigError, match="cannot read config file"):
        fiks.Client.from_file(tmp_path / "finnes-ikke.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text('issuer = "x"\ncertificate_password = "hemmelig-passord\n')
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client.from_file(broken)
    assert "hemmelig-passord" not in str(e.value)


def test_from_env(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in mock.kwargs().items():
        if not isinstance(value, dict):  # tables (`services`) have no FIKS_* form
            monkeypatch.setenv("FIKS_" + key.upper(), str(value))
    c = fiks.Client.from_env()
    assert c.access_token()
    assert fiks.Client.from_env(timeout_seconds=3).config["timeout_seconds"] == "3"


def test_from_env_file_paths_are_relative_to_the_file(mock: Mock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FIKS_CONFIG is read by the core: a relative path in the file is relative to the file."""
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    (conf_dir / "virksomhet.p12").write_bytes(Path(mock["p12"]).read_bytes())
    lines = []
    for k, v in mock.kwargs(certificate="virksomhet.p12").items():
        if isinstance(v, dict):  # a table (`services`): dotted keys, as the mock writes them
            lines += [toml_line(f"{k}.{name}", str(value)) for name, value in v.items()]
        else:
            lines.append(toml_line(k, str(v)))
    (conf_dir / "fiks.toml").write_text("".join(lines))
    elsewhere = tmp_path / "annet"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("FIKS_CONFIG", str(conf_dir / "fiks.toml"))
    c = fiks.Client.from_env()
    assert c.access_token()


def test_from_env_reads_the_file_fiks_config_names(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIKS_CONFIG", mock["config"])
    monkeypatch.setenv("FIKS_TIMEOUT_SECONDS", "9")
    c = fiks.Client.from_env()
    assert c.config["timeout_seconds"] == "9"
    assert c.access_token()


def test_precedence_explicit_env_file(mock: Mock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = Path(mock["config"]).read_text() + 'timeout_seconds = 11\nconnect_timeout_seconds = 4\nmax_retries = 1\n'
    path = tmp_path / "fiks.toml"
    path.write_text(config)
    monkeypatch.setenv("FIKS_TIMEOUT_SECONDS", "22")
    monkeypatch.setenv("FIKS_CONNECT_TIMEOUT_SECONDS", "5")
    c = fiks.Client.from_file(path, timeout_seconds=33)
    assert c.config["timeout_seconds"] == "33"  # explicit over env over file
    assert c.config["connect_timeout_seconds"] == "5"  # env over file
    assert c.config["max_retries"] == "1"  # file over default


def test_environment_preset() -> None:
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(environment="test", issuer="klient")
    assert e.value.key == "certificate"
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(environment="staging", issuer="klient", certificate="x.p12")
    assert e.value.key == "environment"


def test_unknown_key_says_what_was_meant() -> None:
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(isuer="klient")
    assert e.value.key == "isuer"
    assert "did you mean `issuer`" in str(e.value)
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"scopes": 5}, "scopes"),
        ({"scopes": ["ks:fiks", 5]}, "scopes"),
        ({"timeout_seconds": True}, "timeout_seconds"),
        ({"issuer": 12}, "issuer"),
        ({"person_token": 12}, "person_token"),
        ({"issuer": Path("klient")}, "issuer"),  # a path only for path keys
        ({"max_retries": [1]}, "max_retries"),
        ({"allowed_origins": ["http://127.0.0.1:1", 2]}, "allowed_origins"),
    ],
)
def test_wrong_types_are_config_errors(mock: Mock, kwargs: dict, key: str) -> None:
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**mock.kwargs(**kwargs))
    assert e.value.key == key


def test_repr_and_config_hide_secrets(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs())
    text = repr(c) + str(c.config)
    for secret in secrets_of(mock):
        assert secret not in text
    assert "certificate_password=<redacted>" in repr(c)
    assert "integrasjon_passord=<redacted>" in repr(c)
    assert repr(c).startswith("fiks_integrasjon.Client(")
    assert mock["issuer"] in repr(c)
    token = c.token()
    assert token.access_token not in repr(token) and token.access_token not in repr(c)


def test_config_keys_are_exported() -> None:
    assert "issuer" in fiks.CONFIG_KEYS and "person_token" in fiks.CONFIG_KEYS
    assert isinstance(fiks.CONFIG_KEYS["issuer"], fiks.ConfigKey)
    assert fiks.__version__.count(".") == 2
