"""The installed package: its public names, typing files and module paths."""

from __future__ import annotations

from pathlib import Path

import fiks_integrasjon as fiks


def test_all_names_exist() -> None:
    for name in fiks.__all__:
        assert hasattr(fiks, name), name
    assert {"Client", "ApiError", "FiksError", "parse_error", "__version__"} <= set(fiks.__all__)


def test_installed_from_the_wheel_with_typing_files() -> None:
    package = Path(fiks.__file__).parent
    assert "site-packages" in str(package)
    assert (package / "py.typed").exists()
    assert (package / "_native.pyi").exists()
    assert any(p.name.startswith("_native") and p.suffix in {".so", ".pyd"} for p in package.iterdir())


def test_public_module_paths() -> None:
    for cls in (fiks.Client, fiks.Response, fiks.Token, fiks.CertificateInfo, fiks.AuthorizationDetails):
        assert cls.__module__ == "fiks_integrasjon", cls
    # Tracebacks and reprs show the public path, not the private module that defines them.
    for obj in (
        fiks.FiksError,
        fiks.ConfigError,
        fiks.CertificateError,
        fiks.TokenError,
        fiks.ApiError,
        fiks.TransportError,
        fiks.UsageError,
        fiks.CancelledError,
        fiks.Headers,
        fiks.RequestsAuth,
        fiks.HttpxAuth,
        fiks.parse_error,
    ):
        assert obj.__module__ == "fiks_integrasjon", obj
    assert repr(fiks.CertificateError) == "<class 'fiks_integrasjon.CertificateError'>"
    assert fiks.Client.__doc__ and "integrasjon_passord" in fiks.Client.__doc__


def test_both_adapters_are_exported_and_typed() -> None:
    import httpx

    assert {"RequestsAuth", "HttpxAuth", "Headers"} <= set(fiks.__all__)
    assert issubclass(fiks.HttpxAuth, httpx.Auth)
    assert callable(fiks.RequestsAuth.__call__)  # what `requests` calls on each request
    from fiks_integrasjon._httpx import HttpxAuth

    assert fiks.HttpxAuth is HttpxAuth
