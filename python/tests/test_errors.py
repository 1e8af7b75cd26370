"""Each exception class, raised for real against the mock, with its structured fields."""

from __future__ import annotations

import pickle
import socket
from pathlib import Path

import pytest
from conftest import Mock, secrets_of

import fiks_integrasjon as fiks


def test_hierarchy() -> None:
    for cls in (fiks.ConfigError, fiks.CertificateError, fiks.TokenError, fiks.ApiError, fiks.TransportError, fiks.UsageError, fiks.CancelledError):
        assert issubclass(cls, fiks.FiksError)
    assert issubclass(fiks.FiksError, Exception)


def test_config_error_fields() -> None:
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(
            environment="test", issuer="klient", certificate="x.p12", integrasjon_id="123", integrasjon_passord="p"
        )
    assert e.value.key == "integrasjon_id"
    assert e.value.kind == "config"
    assert e.value.hint


def test_certificate_error_wrong_password(mock: Mock) -> None:
    with pytest.raises(fiks.CertificateError) as e:
        fiks.Client(**mock.kwargs(certificate_password="feil-passord-123"))
    assert e.value.problem == "wrong_password"
    assert e.value.hint == "check `certificate_password`"
    assert e.value.config_key == "certificate_password"
    assert e.value.status is None and e.value.transient is False and e.value.retry_after is None
    assert "feil-passord-123" not in str(e.value)
    assert e.value.hint not in str(e.value)  # the hint is never part of the message


def test_certificate_error_unreadable(mock: Mock, tmp_path: Path) -> None:
    with pytest.raises(fiks.CertificateError) as e:
        fiks.Client(**mock.kwargs(certificate=tmp_path / "borte.p12"))
    assert e.value.problem == "unreadable"
    not_a_cert = tmp_path / "tull.p12"
    not_a_cert.write_bytes(b"dette er ikke et sertifikat")
    with pytest.raises(fiks.CertificateError) as e:
        fiks.Client(**mock.kwargs(certificate=not_a_cert))
    assert e.value.problem in {"not_a_certificate", "wrong_password"}


def test_token_error_fields(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(issuer="ukjent-klient"))
    with pytest.raises(fiks.TokenError) as e:
        c.access_token()
    err = e.value
    assert err.status == 400
    assert err.error == "invalid_client" or err.error == "invalid_grant"
    assert err.description
    assert err.kind == "token"
    assert err.hint
    assert err.problem == "maskinporten_refused" and err.transient is False
    assert err.mp_code == "MP-100"
    assert err.hint not in str(err)


def test_token_error_invalid_scope(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs())
    with pytest.raises(fiks.TokenError) as e:
        c.access_token(scopes="ks:ikke-tildelt")
    assert e.value.error == "invalid_scope"
    assert e.value.status == 400


def test_api_error_fields(client: fiks.Client) -> None:
    with pytest.raises(fiks.ApiError) as e:
        client.request("GET", "/status/404")
    err = e.value
    assert err.status == 404
    assert err.error_id and len(err.error_id) == 36  # a uuid
    assert err.error_code == "MOCK_FEIL"
    assert err.error_json == {"antall": 13}  # Python objects, not a JSON string
    assert err.message
    assert err.path and err.path.endswith("/status/404")
    assert isinstance(err.timestamp, int)
    assert err.error == "Not Found"
    assert isinstance(err.body, bytes) and err.error_id.encode() in err.body
    assert err.kind == "api"
    assert err.error_id in str(err)
    assert err.problem is None and err.transient is False and err.config_key is None
    assert err.person_token is False
    assert err.hint and "fiks_base_url" in err.hint


def test_api_error_keeps_retry_after_and_is_transient(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs(max_retries=0))
    mock.fault("fiks", "429:7")
    with pytest.raises(fiks.ApiError) as e:
        c.request("GET", "/echo")
    err = e.value
    assert err.status == 429 and err.transient is True
    assert err.retry_after == 7.0
    assert err.response_headers["Retry-After"] == "7"
    assert err.response_headers.get("retry-after") == "7"
    assert "Retry-After" in err.response_headers and len(err.response_headers) == 1
    again = pickle.loads(pickle.dumps(err))
    assert (again.retry_after, again.transient, again.response_headers) == (7.0, True, {"retry-after": "7"})


def test_api_error_pickles(client: fiks.Client) -> None:
    with pytest.raises(fiks.ApiError) as e:
        client.request("GET", "/status/400")
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is fiks.ApiError
    assert (again.status, again.error_id, again.error_json, str(again)) == (
        e.value.status,
        e.value.error_id,
        e.value.error_json,
        str(e.value),
    )


def test_api_error_from_a_body_that_is_not_fiks(client: fiks.Client, mock: Mock) -> None:
    mock.fault("fiks", "html502")
    with pytest.raises(fiks.ApiError) as e:
        client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "x"})  # POST: not retried
    assert e.value.status == 502
    assert e.value.error_id is None and e.value.error_json is None
    assert b"<html" in e.value.body.lower()
    assert e.value.problem == "not_a_fiks_error" and e.value.transient is True
    assert e.value.hint and "errorId" not in e.value.hint


def test_retryable_failures_are_retried(client: fiks.Client, mock: Mock) -> None:
    mock.fault("fiks", "503")
    assert client.request("GET", "/echo").status == 200  # GET: retried after the 503
    mock.fault("token", "503")
    client.clear_cache()
    assert client.access_token()
    assert mock.counters()["token_faults"] == 1


def test_parse_error() -> None:
    body = (
        b'{"timestamp":1637218198035,"status":400,"error":"Bad Request",'
        b'"errorId":"3389ad1b-afa4-42e1-b6f8-76f63e560ad5","path":"/tjeneste/api/v1/ressurs/123456",'
        b'"originalPath":"/tjeneste/api/v1/ressurs","message":"Beskrivelse av feilen",'
        b'"errorCode":"FEILKODE","errorJson":{"antall":13},"nytt":"felt"}'
    )
    err = fiks.parse_error(body)
    assert isinstance(err, fiks.ApiError)
    assert err.status == 400
    assert err.error_id == "3389ad1b-afa4-42e1-b6f8-76f63e560ad5"
    assert err.original_path == "/tjeneste/api/v1/ressurs"
    assert err.error_json == {"antall": 13}
    assert err.extra == {"nytt": "felt"}
    assert err.timestamp == 1637218198035
    assert fiks.parse_error(body.decode()) is not None
    assert fiks.parse_error(b'{"message": "m", "errorJson": "{\\"a\\": [1, 2]}"}', 400).error_json == {"a": [1, 2]}  # type: ignore[union-attr]
    # issue 13: the status decides; a 2xx body is never an error, and a bare message needs one.
    assert fiks.parse_error(b'{"message": "hei"}') is None
    assert fiks.parse_error(b'{"message": "hei"}', 200) is None
    hei = fiks.parse_error(b'{"message": "hei"}', status=409)
    assert isinstance(hei, fiks.ApiError) and hei.status == 409
    assert fiks.parse_error(b"<html>502 Bad Gateway</html>") is None
    assert fiks.parse_error(b"") is None
    with pytest.raises(TypeError):
        fiks.parse_error(12)  # type: ignore[arg-type]


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


def test_transport_error_connect(mock: Mock) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    c = fiks.Client(**mock.kwargs(token_endpoint=url + "/token", max_retries=0))
    with pytest.raises(fiks.TransportError) as e:
        c.access_token()
    assert e.value.problem == "connect"
    assert e.value.kind == "transport"
    assert e.value.transient is True


def test_transport_error_timeout(mock: Mock) -> None:
    mock.token_delay(3000)
    c = fiks.Client(**mock.kwargs(timeout_seconds=0.5, max_retries=0, retry_deadline_seconds=1))
    with pytest.raises(fiks.TransportError) as e:
        c.access_token()
    assert e.value.problem == "timeout"
    assert e.value.transient is True


def test_every_exception_pickles_with_the_whole_model(mock: Mock) -> None:
    with pytest.raises(fiks.CertificateError) as e:
        fiks.Client(**mock.kwargs(certificate_password="feil"))
    again = pickle.loads(pickle.dumps(e.value))
    fields = ("kind", "problem", "hint", "config_key", "status", "transient", "retry_after", "response_headers")
    assert [getattr(again, f) for f in fields] == [getattr(e.value, f) for f in fields]
    assert str(again) == str(e.value) and type(again) is fiks.CertificateError


def test_usage_error_after_close(mock: Mock) -> None:
    c = fiks.Client(**mock.kwargs())
    c.close()
    assert c.closed
    with pytest.raises(fiks.UsageError):
        c.headers()
    with pytest.raises(fiks.UsageError):
        c.access_token()
    c.close()  # twice is fine


def test_no_secret_in_any_error(mock: Mock) -> None:
    messages = []
    for kwargs in (
        mock.kwargs(certificate_password="hemmelig-feil-1"),
        mock.kwargs(issuer="ukjent", integrasjon_passord="hemmelig-feil-2"),
    ):
        try:
            fiks.Client(**kwargs).access_token()
        except fiks.FiksError as e:
            messages.append(repr(e) + str(e) + str(e.__dict__))
    assert len(messages) == 2
    for m in messages:
        for secret in secrets_of(mock, "hemmelig-feil-1", "hemmelig-feil-2"):
            assert secret not in m
