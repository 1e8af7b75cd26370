#!/usr/bin/env python3
"""Checks the release artefacts of scripts/package (stdlib only; run by scripts/check-package):

- every expected file is in DIST and SHA256SUMS lists exactly them, with the right digests;
- one version everywhere, the workspace version of Cargo.toml: the file names, the wheel's and
  the mock wheel's METADATA (and the main wheel's pinned `fiks-integrasjon-mock==` for the
  `testing` extra), the sdist's PKG-INFO, the C tarball's pkg-config `Version:`, its header's
  FIKS_INTEGRASJON_VERSION, the versioned .so file name, both .nuspec files (and the Testing
  package's dependency on Fiks.Integrasjon), and the CLI's `--version` (given with --cli-version);
- the release workflow (.github/workflows/release.yml) builds with scripts/package.

    scripts/check_dist.py DIST [--cli-version "fiks-integrasjon X.Y.Z"]
    scripts/check_dist.py --self-test DIST
    scripts/check_dist.py --compare DIST OTHER_DIST

--compare checks that two runs of scripts/package wrote the same bytes: every file identical,
except that inside the .nupkg files the .dll entries may differ (Mono's mcs, which builds them
here, writes a fresh MVID and time stamp into every assembly and has no deterministic mode; the
.NET SDK build of the release workflow has <Deterministic>true</Deterministic>). Every other
entry of the .nupkg files must be identical.

Prints one line per problem and exits 1 when there is any. --self-test alters copies of the
real artefacts in a temporary directory and checks that each alteration is caught.
"""
import argparse
import hashlib
import io
import re
import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# The workspace version is read as check_versions.py reads it, and the sums are written as
# scripts/package writes them (archive.py): one reader and one writer each.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_versions  # noqa: E402
from archive import write_sums  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def expected_files(v):
    """The artefact names for version v (glob patterns for the wheels' platform tags)."""
    return {
        "wheel": f"fiks_integrasjon-{v}-cp39-abi3-*manylinux_2_17_x86_64*.whl",
        "sdist": f"fiks_integrasjon-{v}.tar.gz",
        "mock_wheel": f"fiks_integrasjon_mock-{v}-py3-none-*manylinux_2_17_x86_64*.whl",
        "c": f"libfiks_integrasjon-{v}-linux-x86_64.tar.gz",
        "cli": f"fiks-integrasjon-cli-{v}-linux-x86_64.tar.gz",
        "nupkg": f"Fiks.Integrasjon.{v}.nupkg",
        "nupkg_testing": f"Fiks.Integrasjon.Testing.{v}.nupkg",
    }


def metadata_field(text, field):
    m = re.search(rf"^{re.escape(field)}: (.*)$", text, re.M)
    return m.group(1).strip() if m else None


def check(dist, v, cli_version=None):
    """The list of problems found in dist for version v."""
    problems = []
    found = {}
    for key, pattern in expected_files(v).items():
        matches = sorted(dist.glob(pattern))
        if len(matches) != 1:
            problems.append(f"{pattern}: {len(matches)} files match, expected 1")
        else:
            found[key] = matches[0]

    # SHA256SUMS: exactly the other files, each digest right.
    sums = dist / "SHA256SUMS"
    if not sums.is_file():
        problems.append("SHA256SUMS is missing")
    else:
        listed = {}
        for line in sums.read_text().splitlines():
            m = re.fullmatch(r"([0-9a-f]{64})  (\S+)", line)
            if not m:
                problems.append(f"SHA256SUMS: malformed line {line!r}")
                continue
            listed[m.group(2)] = m.group(1)
        present = {p.name for p in dist.iterdir() if p.is_file() and p.name != "SHA256SUMS"}
        for name in sorted(present - set(listed)):
            problems.append(f"SHA256SUMS does not list {name}")
        for name in sorted(set(listed) - present):
            problems.append(f"SHA256SUMS lists {name}, which is not in {dist}")
        for name in sorted(present & set(listed)):
            if hashlib.sha256((dist / name).read_bytes()).hexdigest() != listed[name]:
                problems.append(f"SHA256SUMS: the digest of {name} is wrong")

    def want(what, got):
        if got != v:
            problems.append(f"{what}: version {got!r}, expected {v!r}")

    if "wheel" in found:
        with zipfile.ZipFile(found["wheel"]) as z:
            meta = z.read(f"fiks_integrasjon-{v}.dist-info/METADATA").decode() if f"fiks_integrasjon-{v}.dist-info/METADATA" in z.namelist() else ""
        want(f"{found['wheel'].name} METADATA", metadata_field(meta, "Version"))
        pins = re.findall(r"^Requires-Dist: fiks-integrasjon-mock\s*==\s*([^\s;]+)", meta, re.M)
        if not pins:
            problems.append(f"{found['wheel'].name}: no Requires-Dist fiks-integrasjon-mock==... for the testing extra")
        for pin in pins:
            want(f"{found['wheel'].name} Requires-Dist fiks-integrasjon-mock", pin)
    if "mock_wheel" in found:
        with zipfile.ZipFile(found["mock_wheel"]) as z:
            name = f"fiks_integrasjon_mock-{v}.dist-info/METADATA"
            meta = z.read(name).decode() if name in z.namelist() else ""
        want(f"{found['mock_wheel'].name} METADATA", metadata_field(meta, "Version"))
    if "sdist" in found:
        with tarfile.open(found["sdist"]) as t:
            member = t.extractfile(f"fiks_integrasjon-{v}/PKG-INFO")
            info = member.read().decode() if member else ""
        want(f"{found['sdist'].name} PKG-INFO", metadata_field(info, "Version"))
    if "c" in found:
        top = f"libfiks_integrasjon-{v}-linux-x86_64"
        with tarfile.open(found["c"]) as t:
            names = set(t.getnames())

            def read(path):
                try:
                    f = t.extractfile(f"{top}/{path}")
                    return f.read().decode() if f else ""
                except KeyError:
                    problems.append(f"{found['c'].name}: no {top}/{path}")
                    return ""

            pc = read("lib/pkgconfig/fiks-integrasjon.pc")
            want(f"{found['c'].name} fiks-integrasjon.pc", metadata_field(pc, "Version"))
            m = re.search(r'^#define FIKS_INTEGRASJON_VERSION "([^"]*)"', read("include/fiks_integrasjon.h"), re.M)
            want(f"{found['c'].name} fiks_integrasjon.h", m.group(1) if m else None)
            if f"{top}/lib/libfiks_integrasjon.so.{v}" not in names:
                problems.append(f"{found['c'].name}: no lib/libfiks_integrasjon.so.{v}")
    for key in ("nupkg", "nupkg_testing"):
        if key not in found:
            continue
        with zipfile.ZipFile(found[key]) as z:
            specs = [n for n in z.namelist() if n.endswith(".nuspec") and "/" not in n]
            spec = z.read(specs[0]).decode() if len(specs) == 1 else ""
        if len(specs) != 1:
            problems.append(f"{found[key].name}: {len(specs)} .nuspec files at the root, expected 1")
        m = re.search(r"<version>([^<]*)</version>", spec)
        want(f"{found[key].name} .nuspec", m.group(1) if m else None)
        if key == "nupkg_testing":
            dep = re.search(r'<dependency\s+id="Fiks\.Integrasjon"\s+version="\[([^\]]*)\]"', spec)
            want(f"{found[key].name} dependency on Fiks.Integrasjon", dep.group(1) if dep else None)
    if cli_version is not None and cli_version.strip() != f"fiks-integrasjon {v}":
        problems.append(f"the CLI's --version says {cli_version.strip()!r}, expected 'fiks-integrasjon {v}'")

    if not WORKFLOW.is_file():
        problems.append(f"{WORKFLOW.relative_to(ROOT)} is missing")
    elif not re.search(r"^\s*(?:-\s*)?(?:run:\s*[|>]?\s*)?(?:bash\s+)?(?:\./)?scripts/package\b",
                       WORKFLOW.read_text(), re.M):
        problems.append(f"{WORKFLOW.relative_to(ROOT)} does not run scripts/package")
    return problems


def rewrite_zip(path, member_filter, edit):
    """Rewrites the zip at path, passing the text of each member member_filter accepts through edit.

    Level 1: only the self-test reads the copy, and the quick build's files are large."""
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = src.read(info)
            if member_filter(info.filename):
                body = edit(body.decode()).encode()
            dst.writestr(info, body)
    path.write_bytes(data.getvalue())


def rewrite_tar(path, member_name, edit):
    """Rewrites the .tar.gz at path with member_name's text passed through edit."""
    data = io.BytesIO()
    with tarfile.open(path) as src, tarfile.open(fileobj=data, mode="w:gz", compresslevel=1) as dst:
        for member in src.getmembers():
            f = src.extractfile(member) if member.isfile() else None
            body = f.read() if f else None
            if member.name == member_name and body is not None:
                body = edit(body.decode()).encode()
                member.size = len(body)
            dst.addfile(member, io.BytesIO(body) if body is not None else None)
    path.write_bytes(data.getvalue())


def self_test(dist, v):
    """Each alteration of a copy of dist must be reported; the unaltered copy must pass."""
    bad = "9.9.9"
    names = expected_files(v)
    alterations = {
        "the .pc Version": lambda d: rewrite_tar(d / names["c"], f"libfiks_integrasjon-{v}-linux-x86_64/lib/pkgconfig/fiks-integrasjon.pc",
                                                 lambda s: s.replace(f"Version: {v}", f"Version: {bad}")),
        "the header macro": lambda d: rewrite_tar(d / names["c"], f"libfiks_integrasjon-{v}-linux-x86_64/include/fiks_integrasjon.h",
                                                  lambda s: s.replace(f'VERSION "{v}"', f'VERSION "{bad}"')),
        "a nuspec version": lambda d: rewrite_zip(d / names["nupkg"], lambda n: n.endswith(".nuspec"),
                                                  lambda s: s.replace(f"<version>{v}</version>", f"<version>{bad}</version>")),
        "the Testing dependency": lambda d: rewrite_zip(d / names["nupkg_testing"], lambda n: n.endswith(".nuspec"),
                                                        lambda s: s.replace(f"[{v}]", f"[{bad}]")),
        "the wheel METADATA": lambda d: rewrite_zip(next(d.glob(names["wheel"])), lambda n: n.endswith("METADATA"),
                                                    lambda s: s.replace(f"Version: {v}", f"Version: {bad}", 1)),
        "the mock pin": lambda d: rewrite_zip(next(d.glob(names["wheel"])), lambda n: n.endswith("METADATA"),
                                              lambda s: s.replace(f"fiks-integrasjon-mock=={v}", f"fiks-integrasjon-mock=={bad}")),
        "a missing artefact": lambda d: (d / names["cli"]).unlink(),
    }
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        shutil.copytree(dist, base)
        if check(base, v, f"fiks-integrasjon {v}"):
            print("self-test: the unaltered copy fails:", check(base, v), file=sys.stderr)
            return 1
        if not check(base, v, f"fiks-integrasjon {bad}"):
            print("self-test: a wrong CLI --version is not caught", file=sys.stderr)
            failures += 1
        for what, alter in alterations.items():
            d = Path(tmp) / re.sub(r"\W+", "-", what)
            shutil.copytree(dist, d)
            alter(d)
            write_sums(d)
            if not check(d, v, f"fiks-integrasjon {v}"):
                print(f"self-test: altering {what} is not caught", file=sys.stderr)
                failures += 1
        stale = Path(tmp) / "stale-sums"
        shutil.copytree(dist, stale)
        rewrite_zip(stale / names["nupkg"], lambda n: n == "README.md", lambda s: s + "\n")
        if not check(stale, v, f"fiks-integrasjon {v}"):
            print("self-test: a stale SHA256SUMS is not caught", file=sys.stderr)
            failures += 1
    print(f"self-test: {len(alterations) + 2 - failures} of {len(alterations) + 2} alterations caught")
    return 1 if failures else 0


def compare(a, b):
    """The differences between two dist folders (see --compare)."""
    problems = []
    names_a = sorted(p.name for p in a.iterdir() if p.is_file())
    names_b = sorted(p.name for p in b.iterdir() if p.is_file())
    if names_a != names_b:
        return [f"the two runs wrote different files: {names_a} and {names_b}"]
    same = 0
    for name in names_a:
        if name == "SHA256SUMS":
            continue
        da, db = (a / name).read_bytes(), (b / name).read_bytes()
        if da == db:
            same += 1
            continue
        if not name.endswith(".nupkg"):
            problems.append(f"{name} differs between the two runs")
            continue
        with zipfile.ZipFile(a / name) as za, zipfile.ZipFile(b / name) as zb:
            if za.namelist() != zb.namelist():
                problems.append(f"{name}: the entries differ between the two runs")
                continue
            for entry in za.namelist():
                if za.read(entry) != zb.read(entry) and not entry.endswith(".dll"):
                    problems.append(f"{name}: {entry} differs between the two runs")
                if za.getinfo(entry).date_time != zb.getinfo(entry).date_time:
                    problems.append(f"{name}: {entry} has another time stamp")
    if not problems:
        print(f"check_dist: {same} of {len(names_a) - 1} artefacts byte-identical across the two runs; "
              "the rest are .nupkg files whose entries are identical but for the Mono-built .dll files")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--cli-version")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--compare", type=Path, metavar="OTHER_DIST")
    args = parser.parse_args()
    try:
        v = check_versions.workspace_version(ROOT)
    except ValueError as e:
        raise SystemExit(f"check_dist: {e}")
    if args.compare:
        problems = compare(args.dist, args.compare)
        for p in problems:
            print("check_dist:", p)
        return 1 if problems else 0
    if args.self_test:
        return self_test(args.dist, v)
    problems = check(args.dist, v, args.cli_version)
    for p in problems:
        print("check_dist:", p)
    if not problems:
        print(f"check_dist: every artefact in {args.dist} is version {v}; SHA256SUMS matches; the release workflow runs scripts/package")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
