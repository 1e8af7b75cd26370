#!/usr/bin/env python3
"""Checks that every hand-copied version equals the workspace version, [workspace.package]
version in Cargo.toml (run by scripts/check-header, stdlib only):

- the version macros of bindings/c/fiks_integrasjon.h (FIKS_INTEGRASJON_VERSION_MAJOR, _MINOR,
  _PATCH and the string FIKS_INTEGRASJON_VERSION; scripts/gen-header writes them);
- every workspace member's [package] version (`version.workspace = true`, or the same string);
- the version requirement of every path dependency on a workspace crate (Cargo.toml's
  [workspace.dependencies], ffi/Cargo.toml's `fiks = { path = "../core", version = ... }`);
- the first `version = "..."` line of Cargo.toml, which scripts/lib.sh and scripts/install-c
  read with sed (for the .NET AssemblyVersion and the pkg-config file);
- the .NET package: Version/PackageVersion/VersionPrefix/AssemblyVersion/FileVersion/
  InformationalVersion of every .csproj under dotnet/ (the library's must carry one);
- python/pyproject.toml and mock/pyproject.toml (the fiks-integrasjon-mock wheel): a
  hard-coded [project] version, or `dynamic = ["version"]`, which maturin takes from the
  Cargo.toml next to it (and so from the workspace);
- the `testing` extra of python/pyproject.toml, which pins the mock wheel to this very version
  (`"fiks-integrasjon-mock==X.Y.Z"`): a hand-written copy.

    scripts/check_versions.py [--root DIR]
    scripts/check_versions.py --self-test

Prints one line per mismatch and exits 1 when there is any. --self-test alters copies of the
real files in a temporary directory and checks that each alteration is caught.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = Path("bindings/c/fiks_integrasjon.h")
SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")


def toml_tables(text):
    """{table name: [(key, raw value, line)]} for the simple `key = value` lines of a TOML file
    (enough for Cargo.toml and pyproject.toml here: no multi-line values are read)."""
    tables, table = {"": []}, ""
    for n, line in enumerate(text.splitlines(), 1):
        s = re.sub(r"""^((?:[^#"']|"(?:[^"\\]|\\.)*"|'[^']*')*)#.*$""", r"\1", line).strip()
        m = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?", s)
        if m:
            table = m.group(1)
            tables.setdefault(table, [])
            continue
        m = re.match(r"([A-Za-z0-9_.\"-]+)\s*=\s*(.*)", s)
        if m:
            tables.setdefault(table, []).append((m.group(1).strip('"'), m.group(2).strip(), n))
    return tables


def workspace_version(root):
    """The version of [workspace.package] in Cargo.toml, or raises ValueError."""
    for key, value, _ in toml_tables((root / "Cargo.toml").read_text()).get("workspace.package", []):
        if key == "version":
            m = re.fullmatch(r'"([^"]*)"', value)
            if m and SEMVER.fullmatch(m.group(1)):
                return m.group(1)
            raise ValueError(f"Cargo.toml: [workspace.package] version is not a semantic version: {value}")
    raise ValueError("Cargo.toml: no version in [workspace.package]")


def check_header(root, version, problems, checked):
    path = root / HEADER
    text = path.read_text()
    major, minor, patch = SEMVER.fullmatch(version).groups()
    want = {
        "FIKS_INTEGRASJON_VERSION_MAJOR": major,
        "FIKS_INTEGRASJON_VERSION_MINOR": minor,
        "FIKS_INTEGRASJON_VERSION_PATCH": patch,
        "FIKS_INTEGRASJON_VERSION": f'"{version}"',
    }
    for name, expected in want.items():
        found = [(m.group(1).strip(), text.count("\n", 0, m.start()) + 1)
                 for m in re.finditer(r"^[ \t]*#[ \t]*define[ \t]+" + name + r"[ \t]+([^\n]*)$", text, re.M)]
        if not found:
            problems.append(f"{HEADER}: no `#define {name}` (run scripts/gen-header)")
        elif len(found) > 1:
            problems.append(f"{HEADER}: `#define {name}` appears {len(found)} times")
        elif found[0][0] != expected:
            problems.append(
                f"{HEADER}:{found[0][1]}: {name} is {found[0][0]} but Cargo.toml's version {version} "
                f"needs {expected} (run scripts/gen-header)"
            )
        else:
            checked.append(f"{HEADER} {name}")


def string_value(raw):
    m = re.fullmatch(r'"([^"]*)"', raw)
    return m.group(1) if m else None


def members(root):
    """The workspace members' directories (relative), from [workspace] members."""
    text = (root / "Cargo.toml").read_text()
    m = re.search(r"^\[workspace\][^\[]*?^members\s*=\s*\[(.*?)\]", text, re.S | re.M)
    return re.findall(r'"([^"]+)"', m.group(1)) if m else []


def check_members(root, version, problems, checked):
    for member in members(root):
        rel = Path(member) / "Cargo.toml"
        if not (root / rel).exists():
            problems.append(f"{rel}: listed in Cargo.toml's [workspace] members but missing")
            continue
        package = toml_tables((root / rel).read_text()).get("package", [])
        entries = [(k, v, n) for k, v, n in package if k in ("version", "version.workspace")]
        if not entries:
            problems.append(f"{rel}: [package] has no version (use `version.workspace = true`)")
            continue
        key, value, line = entries[0]
        if key == "version.workspace" and value == "true" or re.fullmatch(r"\{\s*workspace\s*=\s*true\s*\}", value):
            checked.append(f"{rel} version.workspace")
        elif string_value(value) == version:
            checked.append(f"{rel} version")
        else:
            problems.append(f"{rel}:{line}: [package] version is {value} but the workspace version is \"{version}\" "
                            f"(use `version.workspace = true`)")


def check_path_dependencies(root, version, problems, checked):
    names = {}  # package name -> member dir, for the workspace's own crates
    for member in members(root):
        cargo = root / member / "Cargo.toml"
        if cargo.exists():
            for k, v, _ in toml_tables(cargo.read_text()).get("package", []):
                if k == "name" and string_value(v):
                    names[string_value(v)] = member
    files = [Path("Cargo.toml")] + [Path(m) / "Cargo.toml" for m in members(root)]
    for rel in files:
        if not (root / rel).exists():
            continue
        for table, entries in toml_tables((root / rel).read_text()).items():
            if not re.search(r"(^|\.)(dependencies|dev-dependencies|build-dependencies)$", table):
                continue
            for key, value, line in entries:
                m = re.fullmatch(r"\{(.*)\}", value)
                if not m:
                    continue
                fields = dict(re.findall(r'([A-Za-z_-]+)\s*=\s*"([^"]*)"', m.group(1)))
                if "path" not in fields or "version" not in fields:
                    continue
                package = fields.get("package", key)
                if package not in names:
                    continue
                requirement = fields["version"]
                if requirement.lstrip("=^ ") != version:
                    problems.append(
                        f"{rel}:{line}: the path dependency {key} ({package}) requires version \"{requirement}\" "
                        f"but the workspace version is \"{version}\""
                    )
                else:
                    checked.append(f"{rel} dependency {key}")


def check_first_version_line(root, version, problems, checked):
    # scripts/lib.sh and scripts/install-c: sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n1
    for n, line in enumerate((root / "Cargo.toml").read_text().splitlines(), 1):
        m = re.match(r'^version = "([^"]*)"', line)
        if m:
            if m.group(1) != version:
                problems.append(
                    f"Cargo.toml:{n}: the first `version = ` line says \"{m.group(1)}\", not the workspace version "
                    f"\"{version}\": scripts/lib.sh and scripts/install-c read that line"
                )
            else:
                checked.append("Cargo.toml first version line")
            return
    problems.append("Cargo.toml: no line `version = \"...\"` for scripts/lib.sh and scripts/install-c to read")


CSPROJ_VERSIONS = ("Version", "PackageVersion", "VersionPrefix", "AssemblyVersion", "FileVersion", "InformationalVersion")
LIBRARY_CSPROJ = Path("dotnet/src/Fiks.Integrasjon/Fiks.Integrasjon.csproj")


def check_csproj(root, version, problems, checked):
    projects = sorted(p.relative_to(root) for p in (root / "dotnet").rglob("*.csproj")
                      if not {"obj", "bin"} & set(p.parts))
    if LIBRARY_CSPROJ not in projects:
        problems.append(f"{LIBRARY_CSPROJ}: missing")
    numeric = ".".join(SEMVER.fullmatch(version).groups())
    for rel in projects:
        text = (root / rel).read_text()
        found = 0
        for m in re.finditer(r"<(" + "|".join(CSPROJ_VERSIONS) + r")(\s[^>]*)?>\s*([^<]*?)\s*</\1>", text):
            element, value = m.group(1), m.group(3)
            line = text.count("\n", 0, m.start()) + 1
            found += 1
            # Assembly and file versions are four numbers; the package's is the semantic version.
            allowed = {numeric, numeric + ".0"} if element in ("AssemblyVersion", "FileVersion") else {version}
            if value not in allowed:
                problems.append(f"{rel}:{line}: <{element}> is {value} but the workspace version is {version}"
                                + (f" ({numeric}.0 for an assembly version)" if element in ("AssemblyVersion", "FileVersion") else ""))
            else:
                checked.append(f"{rel} {element}")
        if rel == LIBRARY_CSPROJ and not re.search(r"<(Version|PackageVersion|VersionPrefix)[\s>]", text):
            problems.append(f"{rel}: no <Version> (the package would be 1.0.0); it must be {version}")


PYPROJECTS = (Path("python/pyproject.toml"), Path("mock/pyproject.toml"))


def check_pyproject(root, version, problems, checked):
    for rel in PYPROJECTS:
        check_one_pyproject(root, rel, version, problems, checked)


def check_one_pyproject(root, rel, version, problems, checked):
    if not (root / rel).exists():
        problems.append(f"{rel}: missing")
        return
    project = toml_tables((root / rel).read_text()).get("project", [])
    for key, value, line in project:
        if key == "version":
            if string_value(value) != version:
                problems.append(f"{rel}:{line}: [project] version is {value} but the workspace version is \"{version}\" "
                                f"(or use dynamic = [\"version\"])")
            else:
                checked.append(f"{rel} version")
            return
    for key, value, line in project:
        if key == "dynamic" and re.search(r'"version"', value):
            checked.append(f"{rel} dynamic version (maturin reads {rel.parent}/Cargo.toml)")
            return
    problems.append(f"{rel}: [project] has neither a version nor dynamic = [\"version\"]")


MOCK_WHEEL = "fiks-integrasjon-mock"


def check_testing_extra(root, version, problems, checked):
    """python/pyproject.toml's `testing` extra pins the mock wheel with `==` to the workspace
    version (a newer mock may refuse what an older client does, and the other way round)."""
    rel = PYPROJECTS[0]
    if not (root / rel).exists():
        return  # check_pyproject reports it
    extras = toml_tables((root / rel).read_text()).get("project.optional-dependencies", [])
    entries = [(v, n) for k, v, n in extras if k == "testing"]
    if not entries:
        problems.append(f"{rel}: [project.optional-dependencies] has no `testing` extra "
                        f"(\"{MOCK_WHEEL}=={version}\", \"pytest>=7\")")
        return
    value, line = entries[0]
    pins = re.findall(r'"\s*' + re.escape(MOCK_WHEEL) + r'\s*([^";]*?)\s*(?:;[^"]*)?"', value)
    if not pins:
        problems.append(f"{rel}:{line}: the `testing` extra does not require {MOCK_WHEEL} "
                        f"(it must say \"{MOCK_WHEEL}=={version}\")")
    for pin in pins:
        if pin != f"=={version}":
            problems.append(f"{rel}:{line}: the `testing` extra requires {MOCK_WHEEL}{pin} but the workspace "
                            f"version is \"{version}\" (it must say \"{MOCK_WHEEL}=={version}\")")
        else:
            checked.append(f"{rel} testing extra {MOCK_WHEEL}=={version}")


CHECKS = [check_header, check_members, check_path_dependencies, check_first_version_line, check_csproj, check_pyproject,
          check_testing_extra]


def check(root):
    problems, checked = [], []
    try:
        version = workspace_version(root)
    except (ValueError, OSError) as e:
        return [str(e)], [], None
    for c in CHECKS:
        c(root, version, problems, checked)
    return problems, checked, version


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="the workspace (default: this checkout)")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true", help="list what was checked")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    problems, checked, version = check(args.root)
    for line in problems:
        print(f"check_versions: {line}", file=sys.stderr)
    print(f"check_versions: {len(checked)} copies of version {version} checked, {len(problems)} problems")
    if args.verbose:
        for line in checked:
            print(f"  {line}")
    return 1 if problems else 0


# ---- self-test ---------------------------------------------------------------------------------

# Files the checks read, copied into the temporary workspace.
def copied_files():
    return ([Path("Cargo.toml"), HEADER, *PYPROJECTS]
            + [Path(m) / "Cargo.toml" for m in members(ROOT)]
            + [p.relative_to(ROOT) for p in (ROOT / "dotnet").rglob("*.csproj") if not {"obj", "bin"} & set(p.parts)])


def self_test():
    version = workspace_version(ROOT)
    other = "9.8.7"

    def sub(pattern, replacement):
        def alter(text):
            new, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
            if n != 1:
                raise AssertionError(f"/{pattern}/ is not in the file")
            return new
        return alter

    cases = [
        ("a wrong FIKS_INTEGRASJON_VERSION_MINOR", HEADER,
         sub(r"(#define FIKS_INTEGRASJON_VERSION_MINOR )\d+", r"\g<1>99"),
         "FIKS_INTEGRASJON_VERSION_MINOR is 99 but Cargo.toml's version"),
        ("a wrong FIKS_INTEGRASJON_VERSION string", HEADER,
         sub(r'(#define FIKS_INTEGRASJON_VERSION )"[^"]*"', rf'\g<1>"{other}"'),
         f'FIKS_INTEGRASJON_VERSION is "{other}" but Cargo.toml\'s version'),
        ("a header without FIKS_INTEGRASJON_VERSION_PATCH", HEADER,
         sub(r"^#define FIKS_INTEGRASJON_VERSION_PATCH .*\n", ""),
         "no `#define FIKS_INTEGRASJON_VERSION_PATCH`"),
        ("a new workspace version the header does not carry", Path("Cargo.toml"),
         sub(r'(\[workspace\.package\][^\[]*?version\s*=\s*)"[^"]*"', rf'\g<1>"{other}"'),
         f"needs \"{other}\""),
    ]

    cases += [
        ("a wrong <Version> in the .NET library's csproj", LIBRARY_CSPROJ,
         sub(r"<Version>[^<]*</Version>", f"<Version>{other}</Version>"),
         f"<Version> is {other} but the workspace version is {version}"),
        ("a .NET library csproj without a version", LIBRARY_CSPROJ,
         sub(r"\s*<Version>[^<]*</Version>", ""), "no <Version>"),
        ("a wrong <AssemblyVersion> added to the csproj", LIBRARY_CSPROJ,
         sub(r"(<PropertyGroup>)", r"\g<1>\n    <AssemblyVersion>9.8.7.6</AssemblyVersion>"),
         "<AssemblyVersion> is 9.8.7.6 but the workspace version"),
        ("a hard-coded, different version in python/pyproject.toml", Path("python/pyproject.toml"),
         sub(r'^dynamic = \["version"\]\n', f'version = "{other}"\n'),
         f'[project] version is "{other}" but the workspace version'),
        ("a pyproject.toml with neither a version nor a dynamic one", Path("python/pyproject.toml"),
         sub(r'^dynamic = \["version"\]\n', ""), 'neither a version nor dynamic = ["version"]'),
        ("a hard-coded, different version in mock/pyproject.toml", Path("mock/pyproject.toml"),
         sub(r'^dynamic = \["version"\]\n', f'version = "{other}"\n'),
         f'mock/pyproject.toml:'),
        ("a mock/pyproject.toml with neither a version nor a dynamic one", Path("mock/pyproject.toml"),
         sub(r'^dynamic = \["version"\]\n', ""), 'mock/pyproject.toml: [project] has neither a version'),
        ("the testing extra pinning an old mock wheel", Path("python/pyproject.toml"),
         sub(r'("fiks-integrasjon-mock)==[^"]*"', r'\g<1>==0.0.1"'),
         'the `testing` extra requires fiks-integrasjon-mock==0.0.1 but the workspace version'),
        ("the testing extra with a loose pin on the mock wheel", Path("python/pyproject.toml"),
         sub(r'("fiks-integrasjon-mock)==', r'\g<1>>='),
         f'the `testing` extra requires fiks-integrasjon-mock>={version} but'),
        ("the testing extra without the mock wheel", Path("python/pyproject.toml"),
         sub(r'"fiks-integrasjon-mock==[^"]*", ', ""),
         "the `testing` extra does not require fiks-integrasjon-mock"),
        ("a member with its own, different version", Path("ffi/Cargo.toml"),
         sub(r"^version\.workspace = true", f'version = "{other}"'),
         f'[package] version is "{other}" but the workspace version'),
        ("a path dependency on a workspace crate with an old version", Path("ffi/Cargo.toml"),
         sub(r'(path = "../core", version = )"[^"]*"', r'\g<1>"0.0.1"'),
         'requires version "0.0.1" but the workspace version'),
        ("a [workspace.dependencies] entry with an old version", Path("Cargo.toml"),
         sub(r'(fiks-integrasjon-mock = \{ path = "mock", version = )"[^"]*"', r'\g<1>"0.0.1"'),
         'the path dependency fiks-integrasjon-mock (fiks-integrasjon-mock) requires version "0.0.1"'),
        ("a `version = ` line before [workspace.package] in Cargo.toml", Path("Cargo.toml"),
         sub(r"^\[workspace\]\n", '# an early version line\nversion = "0.0.1"\n[workspace]\n'),
         "the first `version = ` line says \"0.0.1\""),
    ]

    failures = 0
    with tempfile.TemporaryDirectory(prefix="check_versions.") as tmp:
        tmp = Path(tmp)

        def fresh_copy():
            for p in tmp.iterdir():
                shutil.rmtree(p) if p.is_dir() else p.unlink()
            for rel in copied_files():
                if (ROOT / rel).exists():
                    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(ROOT / rel, tmp / rel)

        def run():
            r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--root", str(tmp)],
                               capture_output=True, text=True)
            return r.returncode, r.stdout + r.stderr

        fresh_copy()
        rc, out = run()
        if rc != 0:
            failures += 1
            print(f"self-test FAIL: the unaltered copy does not pass (exit {rc}):\n{out}", file=sys.stderr)
        else:
            print(f"self-test ok:   the unaltered copy passes (version {version})")
        for label, rel, alter, expected in cases:
            fresh_copy()
            path = tmp / rel
            try:
                path.write_text(alter(path.read_text()))
            except (AssertionError, OSError) as e:
                failures += 1
                print(f"self-test FAIL: {label}: cannot alter {rel}: {e}", file=sys.stderr)
                continue
            rc, out = run()
            if rc == 0 or expected not in out:
                failures += 1
                print(f"self-test FAIL: {label}: expected a failure saying '{expected}', got exit {rc}:\n{out}",
                      file=sys.stderr)
            else:
                msg = next(l for l in out.splitlines() if expected in l)
                print(f"self-test ok:   {label} is caught: {msg.replace('check_versions: ', '')}")
    print(f"check_versions --self-test: {len(cases) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
