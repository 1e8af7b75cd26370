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
    for cls in (fiks.Client, fiks.Response, fiks.Token, fiks.CertificateInfo):
        assert cls.__module__ == "fiks_integrasjon", cls
    assert fiks.FiksError.__module__ == "fiks_integrasjon._errors"
    assert fiks.Client.__doc__ and "integrasjon_passord" in fiks.Client.__doc__
