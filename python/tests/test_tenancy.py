"""One client for many integrasjoner, services and citizens: derived clients
(``for_integrasjon``, ``for_integrasjon_named``, ``as_person``), the ``integrasjoner`` and
``services`` tables, ``service=``, multipart ``files=`` and ``fiks_io_credentials()``."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
import threading
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from conftest import Mock, Recorder

import fiks_integrasjon as fiks


def integrasjon(i: int) -> tuple:
    """A made-up integrasjon: a UUID of its own and a password."""
    return str(uuid.UUID(int=0x1E6A3A5B_3C7A_4C57_9A8E_000000000000 + i)), f"passord-{i}"


# ---- derived integrasjoner -------------------------------------------------------------------


def test_derived_headers_carry_their_own_integrasjon_and_the_parents_token(mock: Mock) -> None:
    with mock.client() as parent:
        id_, pw = integrasjon(1)
        child = parent.for_integrasjon(id_, pw)
        assert isinstance(child, fiks.Client)
        h, ph = child.headers(), parent.headers()
        assert (h["IntegrasjonId"], h["IntegrasjonPassord"]) == (id_, pw)
        assert h["Authorization"] == ph["Authorization"]
        assert ph["IntegrasjonId"] == mock["integrasjon_id"]
        assert (child.integrasjon_id, child.is_person, child.mode) == (id_, False, "maskinporten")
        assert parent.integrasjon_id == mock["integrasjon_id"] and not parent.is_person
        assert pw not in repr(child) and mock["integrasjon_passord"] not in repr(child)
        assert f"integrasjon_id='{id_}'" in repr(child)


def test_200_derived_clients_make_one_token_request(mock: Mock) -> None:
    with mock.client() as parent:
        children = [parent.for_integrasjon(*integrasjon(i)) for i in range(200)]
        for i, child in enumerate(children):
            assert child.headers()["IntegrasjonId"] == integrasjon(i)[0]
        assert mock.counters()["token_requests"] == 1
        assert parent.stats()["token_requests"] == 1


def test_bad_integrasjon_is_a_config_error(mock: Mock) -> None:
    with mock.client() as parent:
        with pytest.raises(fiks.ConfigError):
            parent.for_integrasjon("ikke-en-uuid", "p")
        with pytest.raises(fiks.ConfigError):
            parent.for_integrasjon(integrasjon(1)[0], "")


def test_derived_client_works_after_the_parent_is_closed(mock: Mock) -> None:
    parent = mock.client()
    child = parent.for_integrasjon(mock["integrasjon_id"], mock["integrasjon_passord"])
    parent.close()
    assert parent.closed and not child.closed
    with pytest.raises(fiks.UsageError):
        parent.headers()
    with pytest.raises(fiks.UsageError):
        parent.for_integrasjon(*integrasjon(1))
    assert child.headers()["IntegrasjonId"] == mock["integrasjon_id"]
    assert child.request("GET", "/echo").status == 200
    del parent
    grandchild = child.as_person("innbyggertoken-1")
    child.close()
    assert grandchild.headers()["Authorization"] == "Bearer innbyggertoken-1"


def test_closing_a_derived_client_leaves_the_parent_open(mock: Mock) -> None:
    with mock.client() as parent:
        with parent.for_integrasjon(*integrasjon(1)) as child:
            child.headers()
        assert child.closed and not parent.closed
        assert parent.request("GET", "/echo").status == 200


def test_for_integrasjon_named_from_a_config_file(mock: Mock, tmp_path: Path) -> None:
    id_, pw = integrasjon(7)
    path = tmp_path / "fiks.toml"
    path.write_text(
        Path(mock["config"]).read_text()
        + f'\n[integrasjoner.x]\nintegrasjon_id = "{id_}"\nintegrasjon_passord = "{pw}"\n'
    )
    with fiks.Client.from_file(path) as parent:
        h = parent.for_integrasjon_named("x").headers()
        assert (h["IntegrasjonId"], h["IntegrasjonPassord"]) == (id_, pw)
        with pytest.raises(fiks.ConfigError) as e:
            parent.for_integrasjon_named("finnes-ikke")
        assert "x" in str(e.value) and pw not in str(e.value)


def test_integrasjoner_keyword(mock: Mock) -> None:
    a, b = integrasjon(1), integrasjon(2)
    tables = {"a": a, "b": {"integrasjon_id": b[0], "integrasjon_passord": b[1]}}
    with mock.client(integrasjoner=tables) as parent:
        assert parent.for_integrasjon_named("a").integrasjon_id == a[0]
        assert parent.for_integrasjon_named("b").headers()["IntegrasjonPassord"] == b[1]
        assert a[1] not in repr(parent) and b[1] not in str(parent.config)
        with pytest.raises(fiks.ConfigError) as e:
            parent.for_integrasjon_named("c")
        assert "a, b" in str(e.value)
    with pytest.raises(fiks.ConfigError):
        mock.client(integrasjoner={"a": ("ikke-en-uuid", "p")})
    with pytest.raises(fiks.ConfigError):
        mock.client(integrasjoner="a")  # type: ignore[arg-type]
    with pytest.raises(fiks.ConfigError):
        mock.client(integrasjoner={"a": {"integrasjon_id": a[0]}})  # type: ignore[typeddict-item]
    with pytest.raises(fiks.ConfigError):
        mock.client(integrasjoner={"Stor": a})


# ---- citizens ----------------------------------------------------------------------------------


def test_as_person_headers_and_no_token_request(mock: Mock) -> None:
    with mock.client() as parent:
        p = parent.as_person(mock["person_token"])
        h = p.headers()
        assert h["Authorization"] == "Bearer " + mock["person_token"]
        assert (h["IntegrasjonId"], h["IntegrasjonPassord"]) == (mock["integrasjon_id"], mock["integrasjon_passord"])
        assert (p.is_person, p.mode, p.integrasjon_id) == (True, "person", mock["integrasjon_id"])
        echo = p.request("GET", "/echo").json()
        if "token_sha256" in echo:  # the mock says which token arrived (as its hash)
            assert echo["token_sha256"] == hashlib.sha256(mock["person_token"].encode()).hexdigest()
        assert mock.counters()["token_requests"] == 0
        assert mock["person_token"] not in repr(p)
        with pytest.raises(fiks.ConfigError):
            parent.as_person("")


def test_64_threads_each_see_only_their_own_citizen(mock: Mock) -> None:
    with mock.client() as parent:
        barrier = threading.Barrier(64)
        wrong: List[str] = []
        errors: List[BaseException] = []

        def citizen(i: int) -> None:
            try:
                me = parent.as_person(f"innbyggertoken-{i}")
                barrier.wait()
                for _ in range(50):
                    if me.headers()["Authorization"] != f"Bearer innbyggertoken-{i}":
                        wrong.append(str(i))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=citizen, args=(i,)) for i in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and not wrong
        assert mock.counters()["token_requests"] == 0


def test_64_tasks_each_see_only_their_own_citizen(mock: Mock) -> None:
    with mock.client() as parent:

        async def citizen(i: int) -> bool:
            me = parent.as_person(f"innbyggertoken-{i}")
            seen = []
            for _ in range(10):
                seen.append((await me.headers_async())["Authorization"])
                await asyncio.sleep(0)
            return all(s == f"Bearer innbyggertoken-{i}" for s in seen)

        async def main() -> List[bool]:
            return list(await asyncio.gather(*(citizen(i) for i in range(64))))

        assert all(asyncio.run(main()))
        assert mock.counters()["token_requests"] == 0


def test_derived_integrasjoner_headers_async(mock: Mock) -> None:
    with mock.client() as parent:

        async def main() -> List[Dict[str, str]]:
            children = [parent.for_integrasjon(*integrasjon(i)) for i in range(64)]
            return list(await asyncio.gather(*(c.headers_async() for c in children)))

        for i, h in enumerate(asyncio.run(main())):
            assert h["IntegrasjonId"] == integrasjon(i)[0]
        assert mock.counters()["token_requests"] == 1


# ---- services ----------------------------------------------------------------------------------


def test_service_resolves_to_its_base_url(mock: Mock) -> None:
    with mock.client(services={"annen": mock["fiks_base_url"]}) as c:
        assert set(c.services) >= {"fiks", "annen"}
        assert c.services["annen"].rstrip("/") == mock["fiks_base_url"].rstrip("/")
        answer = c.request("GET", "/echo", service="annen", params={"q": "1"})
        assert answer.status == 200 and answer.json()["path"].endswith("/echo")
        with pytest.raises(fiks.UsageError) as e:
            c.request("GET", "/echo", service="finnes-ikke")
        assert "annen" in str(e.value)

        async def main() -> int:
            return (await c.request_async("GET", "/echo", service="annen")).status

        assert asyncio.run(main()) == 200


def test_services_keyword_errors(mock: Mock) -> None:
    with pytest.raises(fiks.ConfigError):
        mock.client(services={"annen": "http://ikke-loopback.example/"})
    with pytest.raises(fiks.ConfigError):
        mock.client(services={"annen": 5})  # type: ignore[dict-item]
    with pytest.raises(fiks.ConfigError):
        mock.client(services=["annen"])  # type: ignore[arg-type]


def test_requests_auth_sends_the_headers_to_a_service_and_the_derived_speaker(
    mock: Mock, recorder: Callable[..., Recorder]
) -> None:
    import requests

    rec = recorder()
    with mock.client(services={"opptak": rec.url}) as parent:
        p = parent.as_person("innbyggertoken-rq")
        assert requests.get(rec.url + "/x", auth=p.requests_auth(), timeout=10).status_code == 200
        assert rec.headers(0)["Authorization"] == "Bearer innbyggertoken-rq"
        assert not p.may_send_headers("http://127.0.0.1:1/x")


# ---- multipart ---------------------------------------------------------------------------------


def _multipart(c: fiks.Client, **kwargs: Any) -> Dict[str, Any]:
    """Posts to the mock's multipart echo, or to the plain echo when the mock has none."""
    try:
        return dict(c.request("POST", "/echo/multipart", **kwargs).json())
    except fiks.ApiError as e:
        if e.status not in (404, 405):
            raise
        return dict(c.request("POST", "/echo", **kwargs).json())


def test_multipart_files(mock: Mock, tmp_path: Path) -> None:
    document = tmp_path / "vedtak.pdf"
    content = b"%PDF-1.7\n" + bytes(range(256)) * 1000
    document.write_bytes(content)
    forsendelse = json.dumps({"tittel": "Vedtak"})
    with mock.client() as c:
        answer = _multipart(
            c,
            files=[
                ("forsendelse", (None, forsendelse, "application/json")),
                ("filer", ("vedtak.pdf", document, "application/pdf")),
                ("filer", ("vedlegg.txt", b"vedlegg", "text/plain")),
                ("filer", document),
            ],
        )
        if "parts" in answer:
            parts = answer["parts"]
            assert [p["name"] for p in parts] == ["forsendelse", "filer", "filer", "filer"]
            assert [p["filename"] for p in parts] == [None, "vedtak.pdf", "vedlegg.txt", "vedtak.pdf"]
            assert parts[0]["content_type"] == "application/json"
            assert parts[1]["content_type"] == "application/pdf"
            assert parts[3]["content_type"] == "application/octet-stream"
            assert [p["size"] for p in parts] == [len(forsendelse), len(content), 7, len(content)]
            assert parts[1]["sha256"] == hashlib.sha256(content).hexdigest()
            assert parts[0]["sha256"] == hashlib.sha256(forsendelse.encode()).hexdigest()
        else:
            assert answer["content_type"].startswith("multipart/form-data; boundary=")

        async def main() -> Dict[str, Any]:
            r = await c.request_async("POST", "/echo", files={"filer": document}, data={"felt": "verdi"})
            return dict(r.json())

        assert asyncio.run(main())["content_type"].startswith("multipart/form-data; boundary=")


def test_multipart_refusals(mock: Mock, tmp_path: Path) -> None:
    document = tmp_path / "a.pdf"
    document.write_bytes(b"x")
    with mock.client() as c:
        with document.open("rb") as f, pytest.raises(TypeError, match="Path"):
            c.request("POST", "/echo", files={"filer": f})  # type: ignore[dict-item]
        with pytest.raises(TypeError, match="Path"):
            c.request("POST", "/echo", files={"filer": str(document)})  # type: ignore[dict-item]
        with pytest.raises(TypeError):
            c.request("POST", "/echo", files={"filer": document}, json={"a": 1})
        with pytest.raises(TypeError):
            c.request("POST", "/echo", files={"filer": document}, data=b"x")
        with pytest.raises(fiks.UsageError):
            c.request("POST", "/echo", files={})
        with pytest.raises(fiks.UsageError):
            c.request("POST", "/echo", files={'fi"ler': document})
        with pytest.raises(fiks.UsageError):
            c.request("POST", "/echo", files={"filer": tmp_path / "finnes-ikke.pdf"})


# ---- Fiks IO -----------------------------------------------------------------------------------


def test_fiks_io_credentials(mock: Mock) -> None:
    with mock.client() as c:
        creds = c.fiks_io_credentials()
        assert isinstance(creds, fiks.FiksIoCredentials)
        token = c.access_token()
        assert creds.username == mock["integrasjon_id"]
        assert creds.password == mock["integrasjon_passord"] + " " + token
        assert creds.expires_at.tzinfo is not None
        assert creds.expires_at.utcoffset() == datetime.timedelta(0)
        assert creds.renew_at <= creds.expires_at
        shown = repr(creds)
        assert "password=<redacted>" in shown and token not in shown
        assert mock["integrasjon_passord"] not in shown and creds.username in shown
        id_, pw = integrasjon(3)
        other = c.for_integrasjon(id_, pw).fiks_io_credentials()
        assert (other.username, other.password) == (id_, pw + " " + token)
        with pytest.raises(fiks.UsageError):
            c.as_person("innbyggertoken").fiks_io_credentials()
        assert mock.counters()["token_requests"] == 1
