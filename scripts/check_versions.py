#!/usr/bin/env python3
"""Checks that every hand-copied version equals the workspace version, [workspace.package]
version in Cargo.toml (run by scripts/check-header, stdlib only):

- the version macros of bindings/c/fiks_integrasjon.h (FIKS_INTEGRASJON_VERSION_MAJOR, _MINOR,
  _PATCH and the string FIKS_INTEGRASJON_VERSION; scripts/gen-header writes them).

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


CHECKS = [check_header]


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
    return [Path("Cargo.toml"), HEADER]


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
