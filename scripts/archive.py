#!/usr/bin/env python3
"""Reproducible release archives and checksums for scripts/package (stdlib only, so the same
code runs on Linux, macOS and Windows in the release workflow):

    scripts/archive.py tar OUT.tar.gz STAGE NAME   STAGE/NAME as OUT.tar.gz
    scripts/archive.py sums DIR                    DIR/SHA256SUMS for every other file in DIR

Archives are byte-identical for the same input: entries sorted by name, every mtime
SOURCE_DATE_EPOCH (default 2026-01-01), owner and group 0 with empty names, modes 0644 for
files and 0755 for directories and executables, symlinks kept as symlinks, and a gzip header
without a file name or time. SHA256SUMS is in `sha256sum` format (`<hex>  <name>`), sorted.
"""
import gzip
import hashlib
import io
import os
import stat
import sys
import tarfile
from pathlib import Path


def epoch():
    return int(os.environ.get("SOURCE_DATE_EPOCH", "1767225600"))


def write_tar(out, stage, name):
    """Writes stage/name into out (a .tar.gz) reproducibly."""
    root = Path(stage) / name
    if not root.is_dir():
        raise SystemExit(f"archive.py: {root} is not a directory")
    paths = [root] + sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix())
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in paths:
            arcname = (Path(name) / path.relative_to(root)).as_posix() if path != root else name
            info = tar.gettarinfo(str(path), arcname)
            info.mtime = epoch()
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.issym():
                info.mode = 0o777
                tar.addfile(info)
            elif info.isdir():
                info.mode = 0o755
                tar.addfile(info)
            elif info.isfile():
                info.mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                raise SystemExit(f"archive.py: {path} is neither a file, a directory nor a symlink")
    with open(out, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())


def write_sums(directory):
    """Writes directory/SHA256SUMS over every other regular file in directory."""
    d = Path(directory)
    lines = []
    for p in sorted(d.iterdir(), key=lambda p: p.name):
        if p.is_file() and p.name != "SHA256SUMS":
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            lines.append(f"{h.hexdigest()}  {p.name}\n")
    with open(d / "SHA256SUMS", "w", newline="\n") as f:
        f.writelines(lines)


def main(argv):
    if len(argv) == 5 and argv[1] == "tar":
        write_tar(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "sums":
        write_sums(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
