"""``Client(signer=...)``: grants signed by a key the library never sees.

The mock verifies every grant's signature (with the ``x5c`` certificate or the registered
``kid``'s key), so a token proves that the signer signed correctly. ``cryptography`` is a test
dependency only (scripts/test-python installs it), never one of the package.
"""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
from conftest import Mock
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import fiks_integrasjon as fiks


def rsa_key(mock: Mock) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(mock["key_pem"]).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signer_kwargs(mock: Mock, signer: Any, **overrides: Any) -> Dict[str, Any]:
    """Maskinporten mode against the mock with the PEM chain (no key) and ``signer``."""
    given: Dict[str, Any] = dict(certificate=mock["chain_pem"], certificate_password=None, signer=signer)
    given.update(overrides)
    return mock.kwargs(**given)


def test_a_cryptography_key_signs_the_grant(mock: Mock) -> None:
    with fiks.Client(**signer_kwargs(mock, rsa_key(mock))) as c:
        token = c.access_token()
        assert token
        assert c.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "x"}).status == 200
        assert c.access_token() == token  # cached: the signer is not asked again
        info = c.certificate
        assert info is not None and info.orgnr == mock["orgnr"]
    counters = mock.counters()
    assert counters["tokens_issued"] == 1
    assert "x5c" in counters["last_grant_header"] and counters["last_grant_header"]["alg"] == "RS256"


def test_the_chain_may_be_pem_text(mock: Mock) -> None:
    chain = Path(mock["chain_pem"]).read_text()
    with fiks.Client(**signer_kwargs(mock, rsa_key(mock), certificate=chain)) as c:
        assert c.access_token()


def test_a_callable_signs_the_signing_input(mock: Mock) -> None:
    key = rsa_key(mock)
    seen: List[bytes] = []
    threads: List[str] = []

    def sign(data: bytes) -> bytes:
        seen.append(data)
        threads.append(threading.current_thread().name)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    with fiks.Client(**signer_kwargs(mock, sign)) as c:
        assert c.access_token()
    assert len(seen) == 1
    assert isinstance(seen[0], bytes) and seen[0].count(b".") == 1  # base64url(header) "." base64url(claims)
    assert threads[0] != threading.current_thread().name  # a library thread, not the caller's


def test_signer_with_key_id_and_no_certificate(mock: Mock) -> None:
    kwargs = mock.kwargs(certificate=None, certificate_password=None, key_id=mock["kid"], signer=rsa_key(mock))
    with fiks.Client(**kwargs) as c:
        assert c.access_token()
        assert c.certificate is None
    header = mock.counters()["last_grant_header"]
    assert header["kid"] == mock["kid"] and "x5c" not in header


def test_signer_shows_as_signer_never_its_repr(mock: Mock) -> None:
    class Secretive:
        def __call__(self, data: bytes) -> bytes:
            raise AssertionError("not called")

        def __repr__(self) -> str:
            return "Secretive(pin=1234)"

    c = fiks.Client(**signer_kwargs(mock, Secretive()))
    assert c.config["signer"] == "<signer>"
    assert "private_key" not in c.config
    assert "signer=<signer>" in repr(c)
    assert "1234" not in repr(c) and "1234" not in str(c.config)
    c.close()


def test_a_signer_that_raises(mock: Mock) -> None:
    def offline(data: bytes) -> bytes:
        raise ConnectionError("the HSM is offline")

    with fiks.Client(**signer_kwargs(mock, offline)) as c:
        with pytest.raises(fiks.CertificateError) as e:
            c.access_token()
    assert e.value.problem == "signer"
    assert e.value.config_key == "signer"
    assert "ConnectionError: the HSM is offline" in str(e.value)
    assert isinstance(e.value.__cause__, ConnectionError)
    assert e.value.hint
    assert mock.counters()["token_requests"] == 0  # nothing was sent


def test_a_signer_returning_no_bytes_or_the_wrong_key(mock: Mock) -> None:
    with fiks.Client(**signer_kwargs(mock, lambda data: "abc")) as c:  # type: ignore[arg-type,return-value]
        with pytest.raises(fiks.CertificateError) as e:
            c.access_token()
    assert e.value.problem == "signer" and "str" in str(e.value)
    assert isinstance(e.value.__cause__, TypeError)

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with fiks.Client(**signer_kwargs(mock, other)) as c:
        with pytest.raises(fiks.CertificateError) as e:
            c.access_token()
    assert e.value.problem == "signer" and "public key" in str(e.value)
    assert mock.counters()["token_requests"] == 0


def test_a_signer_that_hangs_is_bounded_by_timeout_seconds(mock: Mock) -> None:
    release = threading.Event()

    def hangs(data: bytes) -> bytes:
        release.wait(5)  # "sleeps 5 s", ended early once the test has its answer
        raise TimeoutError("released")

    c = fiks.Client(**signer_kwargs(mock, hangs, timeout_seconds=0.5))
    try:
        started = time.monotonic()
        with pytest.raises(fiks.CertificateError) as e:
            c.access_token()
        elapsed = time.monotonic() - started
    finally:
        release.set()
        c.close()
    assert e.value.problem == "signer"
    assert "timeout_seconds" in str(e.value)
    assert elapsed < 4.0, elapsed  # generous: the bound is 0.5 s, the signer would take 5 s


def test_the_gil_is_released_while_the_signer_is_waited_for(mock: Mock) -> None:
    """Another Python thread runs while the main thread waits on a slow signer."""
    key = rsa_key(mock)
    ticks: List[int] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    def slow(data: bytes) -> bytes:
        time.sleep(0.3)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    t = threading.Thread(target=ticker)
    t.start()
    try:
        with fiks.Client(**signer_kwargs(mock, slow)) as c:
            before = len(ticks)
            assert c.access_token()
            assert len(ticks) > before
    finally:
        stop.set()
        t.join()


def test_async_token_with_a_signer(mock: Mock) -> None:
    key = rsa_key(mock)

    async def main() -> str:
        with fiks.Client(**signer_kwargs(mock, key)) as c:
            first = await c.access_token_async()
            token = await c.token_async()
            assert token.access_token == first
            return first

    assert asyncio.run(main())
    assert mock.counters()["tokens_issued"] == 1


def test_async_signer_failure_arrives_through_the_awaitable(mock: Mock) -> None:
    def offline(data: bytes) -> bytes:
        raise ConnectionError("offline")

    async def main() -> None:
        with fiks.Client(**signer_kwargs(mock, offline)) as c:
            with pytest.raises(fiks.CertificateError) as e:
                await c.access_token_async()
            assert e.value.problem == "signer"
            assert isinstance(e.value.__cause__, ConnectionError)

    asyncio.run(main())


def test_bad_signers_are_config_errors(mock: Mock) -> None:
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**signer_kwargs(mock, "not a signer"))
    assert e.value.key == "signer" and "callable" in str(e.value)
    # An external signer holds the key: no private_key beside it (the core's rule).
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**signer_kwargs(mock, rsa_key(mock), private_key=mock["key_pem"]))
    assert e.value.key == "private_key"
    # Neither a certificate nor a key_id.
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**signer_kwargs(mock, rsa_key(mock), certificate=None))
    assert e.value.key == "key_id"
    # A PKCS#12 file carries its key: not a chain for a signer.
    with pytest.raises(fiks.CertificateError) as ce:
        fiks.Client(**mock.kwargs(signer=rsa_key(mock)))
    assert ce.value.problem == "not_a_certificate"


def test_a_non_rsa_cryptography_key_is_refused(mock: Mock) -> None:
    with pytest.raises(fiks.CertificateError) as e:
        fiks.Client(**signer_kwargs(mock, ec.generate_private_key(ec.SECP256R1())))
    assert e.value.problem == "unsupported_key"
    assert "EllipticCurvePrivateKey" in str(e.value) or "RSA" in str(e.value)


def test_a_key_object_without_cryptography_is_a_clear_error(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    class Key:
        def sign(self, data: bytes, padding: Any, algorithm: Any) -> bytes:
            raise AssertionError("not called")

    # Importing cryptography fails as it would where it is not installed.
    for name in list(sys.modules):
        if name == "cryptography" or name.startswith("cryptography."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)  # type: ignore[arg-type]
    with pytest.raises(fiks.ConfigError) as e:
        fiks.Client(**signer_kwargs(mock, Key()))
    assert e.value.key == "signer"
    assert "pip install cryptography" in str(e.value)
    assert isinstance(e.value.__cause__, ImportError)


def test_signer_through_from_file_and_from_env(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    key = rsa_key(mock)
    # The mock's fiks.toml names the PKCS#12 file: replace it by the chain for the signer.
    with fiks.Client.from_file(
        mock.config_path, certificate=mock["chain_pem"], certificate_password=None, signer=key
    ) as c:
        assert c.access_token()
        assert c.config["signer"] == "<signer>"
    for name, value in signer_kwargs(mock, None).items():
        if isinstance(value, str):
            monkeypatch.setenv("FIKS_" + name.upper(), value)
    with fiks.Client.from_env(signer=key) as c:
        assert c.access_token()


def test_derived_clients_share_the_signer(mock: Mock) -> None:
    calls: List[int] = []
    key = rsa_key(mock)

    def sign(data: bytes) -> bytes:
        calls.append(1)
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    with fiks.Client(**signer_kwargs(mock, sign)) as c:
        i, p = mock.integrasjon(1)
        derived = c.for_integrasjon(i, p)
        assert derived.request("GET", "/echo").status == 200
        assert c.request("GET", "/echo").status == 200
        derived.close()
    assert len(calls) == 1


def test_signer_errors_pickle(mock: Mock) -> None:
    def offline(data: bytes) -> bytes:
        raise ConnectionError("offline")

    with fiks.Client(**signer_kwargs(mock, offline)) as c:
        with pytest.raises(fiks.CertificateError) as e:
            c.access_token()
    again = pickle.loads(pickle.dumps(e.value))
    assert (again.problem, again.config_key, str(again)) == ("signer", "signer", str(e.value))
