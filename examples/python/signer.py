"""An external signer: grants signed by a key the library never sees, run against the local mock.

    python examples/python/signer.py mock.json

``mock.json`` is the line ``fiks-integrasjon-mock --dir DIR`` prints. In production the key
sits in an HSM, on a smart card, in a cloud KMS or in the OS certificate store, and cannot be
exported; ``signer=`` hands the library a way to sign with it instead:

1. a ``cryptography`` ``RSAPrivateKey`` (here loaded from the mock's ``key.pem``; a PKCS#11 or
   KMS wrapper with the same ``.sign(data, padding, algorithm)`` works alike), with the
   certificate chain, without its key, for the grant's ``x5c``;
2. a callable ``(bytes) -> bytes`` returning the RS256 signature (what an HSM or KMS client
   call looks like), here with the registered key's ``key_id`` and no certificate at all;
3. a signer that fails: ``CertificateError`` with ``problem == "signer"``.

Needs ``cryptography`` (``pip install cryptography``); the package itself does not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import fiks_integrasjon as fiks


def common(mock: Dict[str, Any]) -> Dict[str, Any]:
    """The mock's Maskinporten and Fiks settings, without any credential."""
    return dict(
        issuer=mock["issuer"],
        audience=mock["audience"],
        token_endpoint=mock["token_endpoint"],
        fiks_base_url=mock["fiks_base_url"],
        integrasjon_id=mock["integrasjon_id"],
        integrasjon_passord=mock["integrasjon_passord"],
        timeout_seconds=10,  # also bounds each signature
    )


def main(mock_json: str) -> int:
    mock: Dict[str, Any] = json.loads(Path(mock_json).read_text())
    key = serialization.load_pem_private_key(Path(mock["key_pem"]).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        print("key.pem is not an RSA key", file=sys.stderr)
        return 1

    # 1. A key object: called as key.sign(data, padding.PKCS1v15(), hashes.SHA256()).
    with fiks.Client(**common(mock), certificate=mock["chain_pem"], signer=key) as client:
        print(client)  # signer=<signer>: never the key
        r = client.request("POST", "/innsyn-sok/api/v1/sok", json={"sok": "byggesak"})
        print("sok with a cryptography key as signer:", r.status)

    # 2. A callable: given the grant's signing input, it returns the RS256 signature.
    signed: List[int] = []

    def hsm_sign(signing_input: bytes) -> bytes:
        signed.append(len(signing_input))
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())

    with fiks.Client(**common(mock), key_id=mock["kid"], signer=hsm_sign) as by_kid:
        by_kid.access_token()
        by_kid.access_token()  # cached: the signer is not asked again
    print(f"signed by the signer: {len(signed)} grant")

    # 3. A signer that fails.
    def offline(signing_input: bytes) -> bytes:
        raise ConnectionError("the HSM is offline")

    with fiks.Client(**common(mock), key_id=mock["kid"], signer=offline) as broken:
        try:
            broken.access_token()
        except fiks.CertificateError as e:
            print(f"CertificateError ({e.problem}): {e}")
            return 0 if e.problem == "signer" and isinstance(e.__cause__, ConnectionError) else 1
    print("the failing signer did not fail", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
