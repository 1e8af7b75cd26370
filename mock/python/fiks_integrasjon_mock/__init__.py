"""fiks_integrasjon_mock: where the installed ``fiks-integrasjon-mock`` binary is.

The wheel ``fiks-integrasjon-mock`` carries the strict local Maskinporten and Fiks API as a
program, installed into the environment's scripts directory (``bin/`` or ``Scripts\\``) like
any console script. This package only finds it; ``fiks_integrasjon.testing.FiksMock`` runs it.

>>> import fiks_integrasjon_mock
>>> fiks_integrasjon_mock.binary()                       # doctest: +SKIP
PosixPath('/home/me/project/.venv/bin/fiks-integrasjon-mock')
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from importlib import metadata
from pathlib import Path
from typing import Iterator, List

__all__ = ["binary", "__version__"]

#: The distribution (wheel) name, and the program's file name on this platform.
DISTRIBUTION = "fiks-integrasjon-mock"
PROGRAM = "fiks-integrasjon-mock" + (".exe" if sys.platform == "win32" else "")

try:
    __version__: str = metadata.version(DISTRIBUTION)
except metadata.PackageNotFoundError:  # imported from a source tree, not installed
    __version__ = "0+unknown"


def _recorded() -> Iterator[Path]:
    """The program as the installer recorded it (RECORD): right for any install scheme
    (a venv, ``--user``, ``--prefix``, ``--target``)."""
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        return
    for f in files:
        if f.name == PROGRAM:
            yield Path(str(f.locate())).resolve()


def _scripts_dirs() -> Iterator[Path]:
    """The scripts directories of this environment and of the user scheme."""
    yield Path(sysconfig.get_path("scripts"))
    user_scheme = (
        sysconfig.get_preferred_scheme("user")  # type: ignore[attr-defined,unused-ignore]
        if sys.version_info >= (3, 10)
        else ("nt_user" if os.name == "nt" else "osx_framework_user" if sys.platform == "darwin" else "posix_user")
    )
    try:
        yield Path(sysconfig.get_path("scripts", user_scheme))
    except KeyError:
        pass


def _is_program(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def binary() -> Path:
    """The path of the installed ``fiks-integrasjon-mock`` program.

    Looks where the installer recorded it, then in ``sysconfig.get_path("scripts")``, the user
    scheme's scripts directory and ``PATH``. Raises ``FileNotFoundError`` (saying where it
    looked) when it is in none of them.
    """
    looked: List[str] = []
    for candidate in [*_recorded(), *(d / PROGRAM for d in _scripts_dirs())]:
        if _is_program(candidate):
            return candidate
        looked.append(str(candidate))
    found = shutil.which(PROGRAM)
    if found:
        return Path(found)
    looked.append("PATH")
    raise FileNotFoundError(
        f"the {PROGRAM} program of the {DISTRIBUTION} wheel is not installed "
        f"(looked in {', '.join(dict.fromkeys(looked))}): pip install {DISTRIBUTION}"
    )
