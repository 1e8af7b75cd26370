#!/usr/bin/env python3
"""Checks that the .NET binding's hand-copied view of the C ABI matches the generated header
bindings/c/fiks_integrasjon.h (run by scripts/check-header, stdlib only):

- every P/Invoke import of libfiks_integrasjon (a [DllImport(LibraryName)] extern method in
  dotnet/src, NativeMethods.cs) names a function the header declares, with the same number of
  parameters, and returns void exactly when the C function does;
- the C# enum FiksStatus has exactly the header's fiks_status values (FIKS_OK is Ok,
  FIKS_ERROR_INVALID_ARGUMENT is InvalidArgument, ...);
- the public FiksErrorKind, whose values are documented as those of fiks_status, holds only
  fiks_status values, and each `case FiksStatus.X: return FiksErrorKind.Y;` maps equal values.

Header functions that .NET does not import are listed as notes, not failures (a function may
reach the header before the binding uses it).

    scripts/check_native_drift.py [--header FILE] [--dotnet FILE_OR_DIR]
    scripts/check_native_drift.py --self-test

Prints one line per mismatch and exits 1 when there is any. --self-test alters copies of the
real files in a temporary directory (a missing function, a wrong arity, wrong status values)
and checks that each alteration is caught with its message.
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HEADER = ROOT / "bindings" / "c" / "fiks_integrasjon.h"
DEFAULT_DOTNET = ROOT / "dotnet" / "src"
# What a DllImport of libfiks_integrasjon names as its library.
FIKS_LIBRARIES = {"LibraryName", "NativeMethods.LibraryName", '"fiks_integrasjon"', '"libfiks_integrasjon"'}


# ---- parsing helpers ---------------------------------------------------------------------------


def strip_comments(text, csharp=False):
    """Removes // and /* */ comments, keeping string literals and line numbers intact."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            quote = c
            j = i + 1
            verbatim = csharp and i > 0 and text[i - 1] == "@"
            while j < n:
                if text[j] == "\\" and not verbatim:
                    j += 2
                    continue
                if text[j] == quote:
                    if verbatim and text.startswith(quote * 2, j):
                        j += 2
                        continue
                    break
                j += 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def split_top_level(params):
    """Splits a parameter list at commas outside (), [], <> and {}."""
    parts, depth, cur = [], 0, []
    for c in params:
        if c in "([<{":
            depth += 1
        elif c in ")]>}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    parts = [" ".join(p.split()) for p in parts]
    if parts == [""] or parts == ["void"]:
        return []
    return parts


def matching_paren(text, open_pos):
    depth = 0
    for i in range(open_pos, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def enum_members(body, where, line_at=None):
    """`A = 1, B, C = 0x4` -> [(name, value)], implicit values counting on from the last.
    With line_at (offset in body -> line), also fills enum_members.lines: name -> line."""
    members, value, problems = [], -1, []
    enum_members.lines = {}
    offset = 0
    for raw in body.split(","):
        item_offset = offset + len(raw) - len(raw.lstrip())
        offset += len(raw) + 1
        item = " ".join(raw.split())
        if not item:
            continue
        m = re.fullmatch(r"(\w+)(?:\s*=\s*(.+))?", item)
        if not m:
            problems.append(f"{where}: cannot read the enum member '{item}'")
            continue
        if m.group(2) is None:
            value += 1
        else:
            try:
                value = int(m.group(2).rstrip("uUlL"), 0)
            except ValueError:
                problems.append(f"{where}: the value of {m.group(1)} is not a number: '{m.group(2)}'")
                continue
        members.append((m.group(1), value))
        if line_at:
            enum_members.lines[m.group(1)] = line_at(item_offset)
    return members, problems


# ---- the header --------------------------------------------------------------------------------


class Header:
    def __init__(self, path):
        self.path = path
        raw = path.read_text()
        text = strip_comments(raw)
        # Preprocessor lines (with their continuations) out, so that `extern "C" {` stays but
        # #ifdef/#define do not end up inside statements.
        text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.M)
        self.text = text
        self.problems = []
        self.functions = {}  # name -> (return type, [params], line)
        self._read_functions()
        self.status = {}  # FIKS_* -> value
        self.status_line = {}
        self._read_status()

    def _read_functions(self):
        for m in re.finditer(r"\b(fiks_[a-z0-9_]+)\s*\(", self.text):
            name = m.group(1)
            close = matching_paren(self.text, m.end() - 1)
            if close < 0 or not re.match(r"\s*;", self.text[close + 1 :]):
                continue  # a use, not a declaration
            start = max(self.text.rfind(c, 0, m.start()) for c in ";{}") + 1
            ret = " ".join(self.text[start : m.start()].split())
            if ret.startswith("typedef") or not ret:
                continue
            params = split_top_level(self.text[m.end() : close])
            if name in self.functions:
                self.problems.append(f"{self.path}:{line_of(self.text, m.start())}: {name} is declared twice")
            self.functions[name] = (ret, params, line_of(self.text, m.start()))

    def _read_status(self):
        m = re.search(r"\benum\s+fiks_status\s*\{(.*?)\}", self.text, re.S)
        if not m:
            self.problems.append(f"{self.path}: no `enum fiks_status {{ ... }}` found")
            return
        body_start = m.start(1)
        members, problems = enum_members(m.group(1), f"{self.path}: enum fiks_status",
                                         lambda off: line_of(self.text, body_start + off))
        self.problems += problems
        for name, value in members:
            self.status[name] = value
        self.status_line = dict(enum_members.lines)


# ---- the C# side -------------------------------------------------------------------------------


class Import:
    def __init__(self, cs_name, native_name, ret, params, file, line):
        self.cs_name, self.native_name, self.ret, self.params = cs_name, native_name, ret, params
        self.where = f"{file}:{line}"


class DotNet:
    def __init__(self, path):
        self.path = path
        self.files = sorted(path.rglob("*.cs")) if path.is_dir() else [path]
        self.files = [f for f in self.files if not {"obj", "bin"} & set(f.parts)]
        self.problems = []
        self.imports = []
        self.other_library_imports = []
        self.enums = {}  # enum name -> (file, line, [(member, value)])
        self.enum_lines = {}  # enum name -> {member: line}
        self.kind_map = []  # (FiksStatus member, FiksErrorKind member, where)
        for f in self.files:
            self._read(f)

    def _read(self, file):
        text = strip_comments(file.read_text(), csharp=True)
        shown = self._shown(file)
        for m in re.finditer(r"\bextern\s+", text):
            # The declaration: `[attributes] modifiers extern RETURN NAME(PARAMS);`
            start = max(text.rfind(c, 0, m.start()) for c in ";{}") + 1
            head = text[start : m.start()]
            decl = re.match(r"([\w.<>\[\]?]+(?:\s*\[\s*\])?)\s+(\w+)\s*\(", text[m.end() :])
            if not decl:
                continue  # `extern alias` and the like
            dll = re.search(r"\[\s*(?:System\.Runtime\.InteropServices\.)?DllImport(?:Attribute)?\s*\(([^)]*)\)", head)
            line = line_of(text, m.start())
            if not dll:
                self.problems.append(f"{shown}:{line}: extern {decl.group(2)} has no [DllImport]")
                continue
            args = split_top_level(dll.group(1))
            library = args[0] if args else ""
            entry = next((re.match(r'EntryPoint\s*=\s*"(\w+)"', a) for a in args[1:] if a.startswith("EntryPoint")), None)
            open_paren = m.end() + decl.end() - 1
            close = matching_paren(text, open_paren)
            params = split_top_level(text[open_paren + 1 : close])
            native = entry.group(1) if entry else decl.group(2)
            imp = Import(decl.group(2), native, decl.group(1), params, shown, line)
            if library in FIKS_LIBRARIES:
                self.imports.append(imp)
            else:
                self.other_library_imports.append((library, imp))
        for m in re.finditer(r"\benum\s+(\w+)\s*(?::\s*\w+\s*)?\{(.*?)\}", text, re.S):
            body_start = m.start(2)
            members, problems = enum_members(m.group(2), f"{shown}: enum {m.group(1)}",
                                             lambda off: line_of(text, body_start + off))
            self.problems += problems
            self.enums[m.group(1)] = (shown, line_of(text, m.start()), members)
            self.enum_lines[m.group(1)] = dict(enum_members.lines)
        for m in re.finditer(r"case\s+FiksStatus\.(\w+)\s*:\s*return\s+FiksErrorKind\.(\w+)\s*;", text):
            self.kind_map.append((m.group(1), m.group(2), f"{shown}:{line_of(text, m.start())}"))

    def _shown(self, file):
        try:
            return str(file.resolve().relative_to(ROOT))
        except ValueError:
            return str(file)


# ---- the checks --------------------------------------------------------------------------------


def status_key(name):
    """FIKS_ERROR_INVALID_ARGUMENT, FIKS_OK, InvalidArgument, Ok -> 'invalidargument', 'ok'."""
    if name.startswith("FIKS_"):
        name = name[len("FIKS_") :]
        if name.startswith("ERROR_"):
            name = name[len("ERROR_") :]
    return name.replace("_", "").lower()


def check(header_path, dotnet_path):
    problems, notes = [], []
    header = Header(header_path)
    dotnet = DotNet(dotnet_path)
    problems += header.problems + dotnet.problems
    hp = header.path

    if not header.functions:
        problems.append(f"{hp}: no fiks_* function declarations found")
    if not dotnet.imports:
        problems.append(f"{dotnet_path}: no [DllImport(LibraryName)] imports found")

    # Imports against declarations.
    seen = {}
    for imp in dotnet.imports:
        if imp.native_name in seen:
            problems.append(f"{imp.where}: {imp.native_name} is imported twice (also at {seen[imp.native_name]})")
        seen[imp.native_name] = imp.where
        decl = header.functions.get(imp.native_name)
        if decl is None:
            problems.append(f"{imp.where}: {imp.native_name} is imported but {hp.name} declares no such function")
            continue
        ret, params, line = decl
        if len(imp.params) != len(params):
            problems.append(
                f"{imp.where}: {imp.native_name} takes {len(imp.params)} parameter(s) in C# "
                f"({', '.join(imp.params) or 'none'}) but {len(params)} in {hp.name}:{line} "
                f"({', '.join(params) or 'void'})"
            )
        c_void = ret == "void"
        cs_void = imp.ret == "void"
        if c_void != cs_void:
            problems.append(
                f"{imp.where}: {imp.native_name} returns {imp.ret} in C# but {ret} in {hp.name}:{line}"
            )
    for name in sorted(set(header.functions) - set(seen)):
        notes.append(f"{name} ({hp.name}:{header.functions[name][2]}) has no .NET import yet")

    # fiks_status against FiksStatus.
    by_key = {status_key(n): (n, v) for n, v in header.status.items()}
    if "FiksStatus" not in dotnet.enums:
        problems.append(f"{dotnet_path}: no `enum FiksStatus` found (the C# copy of fiks_status)")
    else:
        file, line, members = dotnet.enums["FiksStatus"]
        lines = dotnet.enum_lines["FiksStatus"]
        cs_keys = set()
        for name, value in members:
            cs_keys.add(status_key(name))
            c = by_key.get(status_key(name))
            if c is None:
                problems.append(
                    f"{file}:{lines[name]}: FiksStatus.{name} = {value} has no matching FIKS_* value in {hp.name}"
                )
            elif c[1] != value:
                problems.append(
                    f"{file}:{lines[name]}: FiksStatus.{name} = {value} but {hp.name}:{header.status_line[c[0]]} "
                    f"has {c[0]} = {c[1]}"
                )
        for key, (name, value) in sorted(by_key.items(), key=lambda kv: kv[1][1]):
            if key not in cs_keys:
                problems.append(
                    f"{file}:{line}: {hp.name}:{header.status_line[name]} has {name} = {value} "
                    f"but enum FiksStatus has no such member"
                )

    # FiksErrorKind: documented to carry fiks_status values.
    if "FiksErrorKind" in dotnet.enums and "FiksStatus" in dotnet.enums:
        kfile, kline, kinds = dotnet.enums["FiksErrorKind"]
        klines = dotnet.enum_lines["FiksErrorKind"]
        kind_values = dict(kinds)
        status_values = dict(dotnet.enums["FiksStatus"][2])
        header_values = set(header.status.values())
        for name, value in kinds:
            if value not in header_values:
                problems.append(f"{kfile}:{klines[name]}: FiksErrorKind.{name} = {value} is no fiks_status value of {hp.name}")
        for s, k, where in dotnet.kind_map:
            if s in status_values and k in kind_values and status_values[s] != kind_values[k]:
                problems.append(
                    f"{where}: maps FiksStatus.{s} = {status_values[s]} to FiksErrorKind.{k} = {kind_values[k]}"
                )

    summary = (
        f"{len(dotnet.imports)} .NET imports checked against {len(header.functions)} header functions, "
        f"{len(header.status)} fiks_status values"
    )
    if dotnet.other_library_imports:
        libs = sorted({lib for lib, _ in dotnet.other_library_imports})
        summary += f" ({len(dotnet.other_library_imports)} import(s) of other libraries skipped: {', '.join(libs)})"
    return problems, notes, summary


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--header", type=Path, default=DEFAULT_HEADER)
    ap.add_argument("--dotnet", type=Path, default=DEFAULT_DOTNET, help="a .cs file or a directory searched for *.cs")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    problems, notes, summary = check(args.header, args.dotnet)
    for line in notes:
        print(f"check_native_drift: note: {line}")
    for line in problems:
        print(f"check_native_drift: {line}", file=sys.stderr)
    print(f"check_native_drift: {summary}, {len(problems)} problems")
    return 1 if problems else 0


# ---- self-test ---------------------------------------------------------------------------------


def self_test():
    """Alters copies of the real header and .NET sources and checks each alteration is caught."""
    real_header = Header(DEFAULT_HEADER)
    real_dotnet = DotNet(DEFAULT_DOTNET)
    imports = {i.native_name: i for i in real_dotnet.imports}
    common = [n for n in real_header.functions if n in imports]
    if not common:
        print("check_native_drift --self-test: no function is both in the header and imported", file=sys.stderr)
        return 1
    victim = common[0]
    with_params = [n for n in common if len(imports[n].params) >= 2]
    arity_victim = with_params[0] if with_params else None
    status_members = real_dotnet.enums.get("FiksStatus", (None, None, []))[2]
    header_status = sorted(real_header.status.items(), key=lambda kv: kv[1])

    def find_cs_file(pattern):
        for f in real_dotnet.files:
            if re.search(pattern, f.read_text()):
                return f
        raise AssertionError(f"no .cs file matches {pattern}")

    def remove_declaration(text, name):
        # From the end of the previous statement/comment to this declaration's `;`.
        m = re.search(r"[^;/]*\b" + re.escape(name) + r"\s*\([^;]*\)\s*;", text)
        assert m, f"no declaration of {name} in the header"
        return text[: m.start()] + "\n" + text[m.end() :]

    def drop_last_param(text, name):
        m = re.search(r"\b" + re.escape(name) + r"\s*\(", text)
        assert m, f"no import of {name}"
        close = matching_paren(text, m.end() - 1)
        inner = text[m.end() : close]
        cut = inner.rfind(",")
        return text[: m.end()] + inner[:cut] + text[close:]

    def set_enum_value(text, enum, member, value):
        m = re.search(r"\benum\s+" + enum + r"\b[^{]*\{", text)
        assert m, f"no enum {enum}"
        body_end = text.index("}", m.end())
        body = text[m.end() : body_end]
        new_body, n = re.subn(r"\b" + re.escape(member) + r"\s*=\s*[^,\s}]+", f"{member} = {value}", body, count=1)
        assert n == 1, f"no {enum}.{member} with an explicit value"
        return text[: m.end()] + new_body + text[body_end:]

    def set_return_void(text, name):
        m = re.search(r"extern\s+([\w.<>\[\]?]+)\s+" + re.escape(name) + r"\s*\(", text)
        assert m, f"no import of {name}"
        return text[: m.start(1)] + "void" + text[m.end(1) :]

    cases = []  # (label, which file, function(text) -> text, expected message part)
    cases.append(
        ("a function missing from the header", "header", lambda t: remove_declaration(t, victim),
         f"{victim} is imported but fiks_integrasjon.h declares no such function")
    )
    import_file = find_cs_file(r"\bextern\b[^;]*\b" + re.escape(victim) + r"\s*\(")
    cases.append(
        ("an import of a function the header lacks", import_file,
         lambda t: re.sub(r"\b" + re.escape(victim) + r"(\s*\()", r"fiks_no_such_function\1", t, count=1),
         "fiks_no_such_function is imported but fiks_integrasjon.h declares no such function")
    )
    if arity_victim:
        n = len(imports[arity_victim].params)
        cases.append(
            ("a wrong arity", find_cs_file(r"\bextern\b[^;]*\b" + re.escape(arity_victim) + r"\s*\("),
             lambda t: drop_last_param(t, arity_victim),
             f"{arity_victim} takes {n - 1} parameter(s) in C#")
        )
    nonvoid = [nm for nm in common if real_header.functions[nm][0] != "void"]
    if nonvoid:
        cases.append(
            ("a void return for a non-void function", find_cs_file(r"\bextern\b[^;]*\b" + re.escape(nonvoid[0]) + r"\s*\("),
             lambda t: set_return_void(t, nonvoid[0]), f"{nonvoid[0]} returns void in C#")
        )
    if status_members:
        name, value = status_members[-1]
        enum_file = find_cs_file(r"\benum\s+FiksStatus\b")
        cases.append(
            ("a wrong FiksStatus value", enum_file, lambda t: set_enum_value(t, "FiksStatus", name, value + 100),
             f"FiksStatus.{name} = {value + 100} but fiks_integrasjon.h:")
        )
        if len(status_members) >= 2:
            other_name, other_value = status_members[-2]
            cases.append(
                ("two FiksStatus values swapped", enum_file,
                 lambda t: set_enum_value(set_enum_value(t, "FiksStatus", name, other_value), "FiksStatus", other_name, value),
                 f"FiksStatus.{name} = {other_value} but fiks_integrasjon.h:")
            )
    if header_status:
        hname, hvalue = header_status[-1]
        cases.append(
            ("a header status value the C# enum lacks", "header",
             lambda t: re.sub(r"\b" + hname + r"\s*=\s*\d+", f"{hname} = {hvalue}, FIKS_ERROR_SELF_TEST = {hvalue + 50}", t, count=1),
             f"has FIKS_ERROR_SELF_TEST = {hvalue + 50} but enum FiksStatus has no such member")
        )
    if "FiksErrorKind" in real_dotnet.enums and real_dotnet.kind_map:
        s, k, _ = real_dotnet.kind_map[0]
        kind_value = dict(real_dotnet.enums["FiksErrorKind"][2])[k]
        cases.append(
            ("a FiksErrorKind value that is no fiks_status", find_cs_file(r"\benum\s+FiksErrorKind\b"),
             lambda t: set_enum_value(t, "FiksErrorKind", k, kind_value + 100),
             f"FiksErrorKind.{k} = {kind_value + 100} is no fiks_status value")
        )

    failures = 0
    with tempfile.TemporaryDirectory(prefix="check_native_drift.") as tmp:
        tmp = Path(tmp)

        def fresh_copy():
            for p in (tmp / "fiks_integrasjon.h", tmp / "dotnet"):
                if p.is_dir():
                    shutil.rmtree(p)
            shutil.copy(DEFAULT_HEADER, tmp / "fiks_integrasjon.h")
            shutil.copytree(DEFAULT_DOTNET, tmp / "dotnet", ignore=shutil.ignore_patterns("obj", "bin"))

        def run():
            r = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--header", str(tmp / "fiks_integrasjon.h"),
                 "--dotnet", str(tmp / "dotnet")],
                capture_output=True, text=True,
            )
            return r.returncode, r.stdout + r.stderr

        fresh_copy()
        rc, out = run()
        if rc != 0:
            failures += 1
            print(f"self-test FAIL: the unaltered copy does not pass (exit {rc}):\n{out}", file=sys.stderr)
        else:
            print("self-test ok:   the unaltered copy passes")
        for label, target, alter, expected in cases:
            fresh_copy()
            path = tmp / "fiks_integrasjon.h" if target == "header" else tmp / "dotnet" / target.relative_to(DEFAULT_DOTNET)
            before = path.read_text()
            try:
                after = alter(before)
            except AssertionError as e:
                failures += 1
                print(f"self-test FAIL: {label}: cannot alter the copy: {e}", file=sys.stderr)
                continue
            if after == before:
                failures += 1
                print(f"self-test FAIL: {label}: the alteration changed nothing", file=sys.stderr)
                continue
            path.write_text(after)
            rc, out = run()
            if rc == 0 or expected not in out:
                failures += 1
                print(f"self-test FAIL: {label}: expected a failure saying '{expected}', got exit {rc}:\n{out}",
                      file=sys.stderr)
            else:
                msg = next(l for l in out.splitlines() if expected in l)
                print(f"self-test ok:   {label} is caught: {msg.replace('check_native_drift: ', '')}")
    print(f"check_native_drift --self-test: {len(cases) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
