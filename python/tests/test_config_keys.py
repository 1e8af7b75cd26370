"""CONFIG_KEYS is the core's key table, and the stubs' keyword arguments follow it.

The keyword arguments of ``Client``, ``Client.from_file`` and ``Client.from_env`` are typed in
``_native.pyi`` by the TypedDict ``_Config`` (``**kwargs: Unpack[_Config]``). The runtime
signature is ``**kwargs``, so ``mypy.stubtest`` cannot see a missing key: this test fails when
the core gains, loses, renames or re-kinds a key that the stubs do not follow.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict

import pytest

import fiks_integrasjon as fiks

#: The stub alias each kind of key is typed with.
KIND_ALIAS = {
    "text": "_Text",
    "digits": "_Text",
    "uuid": "_Text",
    "secret": "_Secret",
    "url": "_Url",
    "path": "_Path",
    "credential": "_Credential",
    "seconds": "_Seconds",
    "count": "_Count",
    "list": "_List",
    "flag": "_Flag",
}

#: Keys that take more than their kind's alias says (a binding convenience), typed by hand.
SPECIAL = {
    "certificate": "Optional[Union[str, 'os.PathLike[str]', bytes, bytearray]]",
    "person_token": "Optional[Union[str, Callable[[], str]]]",
    "authorization_details": "Optional[_AuthorizationDetailsLike]",
}


def stub_config_fields() -> Dict[str, str]:
    stub = Path(fiks.__file__).parent / "_native.pyi"
    tree = ast.parse(stub.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "_Config":
            return {
                item.target.id: ast.unparse(item.annotation)
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    pytest.fail("_native.pyi has no TypedDict _Config")


def test_config_keys_are_the_core_table() -> None:
    keys = fiks.CONFIG_KEYS
    assert list(keys)[:3] == ["environment", "issuer", "scopes"]
    assert all(name == spec.name for name, spec in keys.items())
    timeout = keys["timeout_seconds"]
    assert (timeout.kind, timeout.number, timeout.secret, timeout.default) == ("seconds", True, False, "30")
    assert timeout.env_var == "FIKS_TIMEOUT_SECONDS" and timeout.doc
    assert keys["environment"].kind == "choice" and keys["environment"].choices == ("test", "prod")
    assert keys["max_retries"].kind == "count" and keys["max_retries"].number
    assert keys["allowed_origins"].kind == "list"
    assert [k.name for k in keys.values() if k.secret] == [
        "certificate",
        "certificate_password",
        "private_key",
        "integrasjon_passord",
        "person_token",
    ]
    assert repr(timeout) == "ConfigKey(name='timeout_seconds', kind='seconds', secret=False)"
    with pytest.raises(TypeError):
        keys["ny"] = timeout  # type: ignore[index]


def test_the_stub_keyword_arguments_follow_the_core_table() -> None:
    fields = stub_config_fields()
    assert list(fields) == list(fiks.CONFIG_KEYS), "the stub's _Config keys differ from the core's table"
    for name, spec in fiks.CONFIG_KEYS.items():
        if name in SPECIAL:
            expected = SPECIAL[name]
        elif spec.kind == "choice":
            expected = "Optional[Literal[" + ", ".join(repr(c) for c in spec.choices) + "]]"
        else:
            expected = KIND_ALIAS[spec.kind]
        assert fields[name] == expected, f"{name} ({spec.kind}) is typed {fields[name]} in _native.pyi"


def test_the_client_doc_names_every_key() -> None:
    doc = fiks.Client.__doc__ or ""
    missing = [name for name in fiks.CONFIG_KEYS if name not in doc]
    assert not missing, f"Client's docstring (python/src/client.rs) does not name {missing}"


def test_every_list_key_takes_a_list() -> None:
    """Coercion follows the kind: every `list` key takes a list, not only scopes and resource."""
    origins = ["http://127.0.0.1:1", "http://127.0.0.1:2"]
    c = fiks.Client(
        person_token="abc",
        fiks_base_url="http://127.0.0.1:3/",
        allowed_origins=origins,
        integrasjon_id="1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01",
        integrasjon_passord="p",
    )
    assert c.may_send_headers("http://127.0.0.1:2/any/path")
    assert not c.may_send_headers("http://127.0.0.1:4/")
    list_keys = [k.name for k in fiks.CONFIG_KEYS.values() if k.kind == "list"]
    assert {"scopes", "resource", "allowed_origins"} <= set(list_keys)
