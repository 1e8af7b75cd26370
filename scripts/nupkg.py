#!/usr/bin/env python3
"""Writes the two .NET packages without NuGet or the .NET SDK (stdlib only):

- Fiks.Integrasjon.<V>.nupkg: lib/netstandard2.0/Fiks.Integrasjon.dll and .xml, the Mono dllmap
  lib/netstandard2.0/Fiks.Integrasjon.dll.config (Mono on Linux does not look in the package's
  runtimes/ folder by itself; the map points it at ../../runtimes/linux-x64/native/), the native
  library as runtimes/linux-x64/native/libfiks_integrasjon.so, README.md and the .nuspec;
- Fiks.Integrasjon.Testing.<V>.nupkg: lib/netstandard2.0/Fiks.Integrasjon.Testing.dll and .xml,
  the mock program as runtimes/linux-x64/native/fiks-integrasjon-mock (mode 0755 in the zip),
  README.md and a .nuspec that depends on Fiks.Integrasjon of exactly the same version, [V].

The metadata (description, tags, authors, licence expression, project and repository URL) is
read from dotnet/src/<id>/<id>.csproj, so the SDK's `dotnet pack` and this script describe a
package the same way. The zip is the OPC layout NuGet writes: [Content_Types].xml, _rels/.rels,
the .nuspec at the root and package/services/metadata/core-properties/<hash>.psmdcp.

Reproducible: entries sorted by name, every timestamp SOURCE_DATE_EPOCH (default
2024-01-01T00:00:00Z), modes 0644 (0755 for the mock program), ids derived from the id and
version; two runs with the same inputs give byte-identical files.

    scripts/nupkg.py --version 0.1.0 --out target/dist \\
        --dll target/dotnet/Fiks.Integrasjon.dll --xml target/dotnet/Fiks.Integrasjon.xml \\
        --native-linux-x64 target/release/libfiks_integrasjon.so \\
        --testing-dll target/dotnet/Fiks.Integrasjon.Testing.dll \\
        --testing-xml target/dotnet/Fiks.Integrasjon.Testing.xml \\
        --mock-linux-x64 target/release/fiks-integrasjon-mock --readme dotnet/README.md \
        [--native win-x64=DIR/fiks_integrasjon.dll --mock win-x64=DIR/fiks-integrasjon-mock.exe ...]

Other platforms' files go in with --native RID=PATH and --mock RID=PATH (osx-arm64, win-x64, ...;
the file names must be the platform's: libfiks_integrasjon.dylib, fiks_integrasjon.dll,
fiks-integrasjon-mock.exe); Linux and macOS libraries get a dllmap entry each (Mono's cpu names
x86-64 and armv8; only linux-x64 is tested here).

Prints the paths of the two packages. The dlls are packed as given (built by mcs here; see
dotnet/README.md on what that means for netstandard2.0).
"""
import argparse
import hashlib
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EPOCH = 1704067200  # 2024-01-01T00:00:00Z
NUSPEC_NS = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"
TARGET_FRAMEWORK = ".NETStandard2.0"
LIB = "lib/netstandard2.0"
RID = re.compile(r"(linux|linux-musl|osx|win)-(x64|arm64|x86|arm)")
# Mono's dllmap names for the runtime identifiers' operating systems and processors.
MONO_OS = {"linux": "linux", "osx": "osx"}
MONO_CPU = {"x64": "x86-64", "arm64": "armv8", "x86": "x86", "arm": "arm"}


def dllmap(natives):
    """Fiks.Integrasjon.dll.config: one dllmap per packed Linux/macOS library (Mono on Windows finds
    the DLL by itself only next to the application; .NET and .NET Framework ignore this file)."""
    maps = []
    for rid, name in sorted(natives.items()):
        os_name, arch = rid.rsplit("-", 1)
        if os_name in MONO_OS:
            maps.append(
                f'  <dllmap dll="fiks_integrasjon" os="{MONO_OS[os_name]}" cpu="{MONO_CPU[arch]}" '
                f'target="../../runtimes/{rid}/native/{name}" />\n'
            )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<!-- Mono: the native library of this package (Mono does not probe runtimes/<rid>/native/ itself).\n"
        "     Mono then loads only this file, not LD_LIBRARY_PATH: keep the package layout, or delete this file. -->\n"
        "<configuration>\n" + "".join(maps) + "</configuration>\n"
    )


def csproj_metadata(package_id):
    """The package properties of dotnet/src/<id>/<id>.csproj (MSBuild properties, no evaluation)."""
    path = ROOT / "dotnet" / "src" / package_id / (package_id + ".csproj")
    props = {}
    for group in ET.parse(path).getroot().iter("PropertyGroup"):
        for child in group:
            if child.text and child.text.strip() and "$(" not in child.text:
                props.setdefault(child.tag, child.text.strip())
    need = ["Authors", "Description", "PackageTags", "PackageLicenseExpression", "PackageProjectUrl"]
    missing = [k for k in need if k not in props]
    if missing:
        sys.exit(f"{path}: no {', '.join(missing)}")
    if props.get("PackageId", package_id) != package_id:
        sys.exit(f"{path}: PackageId is {props['PackageId']}, expected {package_id}")
    return props


def nuspec(package_id, version, meta, dependencies):
    tags = " ".join(t for t in re.split(r"[;\s]+", meta["PackageTags"]) if t)
    deps = "".join(
        f'        <dependency id="{escape(d)}" version="{escape(v)}" exclude="Build,Analyzers" />\n' for d, v in dependencies
    )
    repo = meta.get("RepositoryUrl")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<package xmlns="{NUSPEC_NS}">\n'
        "  <metadata>\n"
        f"    <id>{escape(package_id)}</id>\n"
        f"    <version>{escape(version)}</version>\n"
        f"    <authors>{escape(meta['Authors'])}</authors>\n"
        f'    <license type="expression">{escape(meta["PackageLicenseExpression"])}</license>\n'
        "    <licenseUrl>https://aka.ms/deprecateLicenseUrl</licenseUrl>\n"
        "    <readme>README.md</readme>\n"
        f"    <projectUrl>{escape(meta['PackageProjectUrl'])}</projectUrl>\n"
        f"    <description>{escape(meta['Description'])}</description>\n"
        f"    <tags>{escape(tags)}</tags>\n"
        + (f'    <repository type="git" url="{escape(repo)}" />\n' if repo else "")
        + "    <dependencies>\n"
        f'      <group targetFramework="{TARGET_FRAMEWORK}">\n'
        f"{deps}"
        "      </group>\n"
        "    </dependencies>\n"
        "  </metadata>\n"
        "</package>\n"
    )


def opc_parts(package_id, version, meta, nuspec_text, files):
    """[Content_Types].xml, _rels/.rels and the core-properties part for these files."""
    digest = hashlib.sha256(f"{package_id}/{version}".encode()).hexdigest()
    psmdcp = f"package/services/metadata/core-properties/{digest[:32]}.psmdcp"
    names = sorted(list(files) + [f"{package_id}.nuspec", psmdcp, "_rels/.rels"])
    extensions = sorted({n.rsplit(".", 1)[1].lower() for n in names if "." in n.rsplit("/", 1)[-1]})
    types = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "psmdcp": "application/vnd.openxmlformats-package.core-properties+xml",
    }
    content_types = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\n'
        + "".join(
            f'  <Default Extension="{e}" ContentType="{types.get(e, "application/octet")}" />\n' for e in extensions
        )
        + "".join(
            f'  <Override PartName="/{n}" ContentType="application/octet" />\n'
            for n in names
            if "." not in n.rsplit("/", 1)[-1]
        )
        + "</Types>\n"
    )
    rels = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\n'
        f'  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/{package_id}.nuspec" Id="R{digest[32:48]}" />\n'
        f'  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/{psmdcp}" Id="R{digest[48:64]}" />\n'
        "</Relationships>\n"
    )
    tags = " ".join(t for t in re.split(r"[;\s]+", meta["PackageTags"]) if t)
    core = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">\n'
        f"  <dc:creator>{escape(meta['Authors'])}</dc:creator>\n"
        f"  <dc:description>{escape(meta['Description'])}</dc:description>\n"
        f"  <dc:identifier>{escape(package_id)}</dc:identifier>\n"
        f"  <version>{escape(version)}</version>\n"
        f"  <keywords>{escape(tags)}</keywords>\n"
        "  <lastModifiedBy>scripts/nupkg.py</lastModifiedBy>\n"
        "</coreProperties>\n"
    )
    return {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": rels.encode(),
        psmdcp: core.encode(),
        f"{package_id}.nuspec": nuspec_text.encode(),
    }


def write_nupkg(out_dir, package_id, version, dependencies, files, executables, epoch):
    """files: {name in the package: bytes}; executables: names packed with mode 0755."""
    meta = csproj_metadata(package_id)
    parts = dict(files)
    parts.update(opc_parts(package_id, version, meta, nuspec(package_id, version, meta, dependencies), files))
    stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip cannot hold times before 1980
    path = Path(out_dir) / f"{package_id}.{version}.nupkg"
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the mode below counts
            info.external_attr = ((0o100755 if name in executables else 0o100644) & 0xFFFF) << 16
            z.writestr(info, parts[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, path)
    return path


def read(path, what):
    p = Path(path)
    if not p.is_file():
        sys.exit(f"{what}: {path} is not a file")
    return p.read_bytes()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True, help="the package version (Cargo.toml's workspace version)")
    ap.add_argument("--out", required=True, help="the folder to write both .nupkg files into")
    ap.add_argument("--dll", required=True, help="Fiks.Integrasjon.dll")
    ap.add_argument("--xml", required=True, help="Fiks.Integrasjon.xml (its doc comments)")
    ap.add_argument("--native-linux-x64", required=True, help="libfiks_integrasjon.so for linux-x64")
    ap.add_argument("--testing-dll", required=True, help="Fiks.Integrasjon.Testing.dll")
    ap.add_argument("--testing-xml", required=True, help="Fiks.Integrasjon.Testing.xml")
    ap.add_argument("--mock-linux-x64", required=True, help="the fiks-integrasjon-mock program for linux-x64")
    ap.add_argument("--readme", required=True, help="the README.md packed into both (dotnet/README.md)")
    ap.add_argument("--native", action="append", default=[], metavar="RID=PATH",
                    help="another platform's native library, packed as runtimes/RID/native/<its file name> (repeatable)")
    ap.add_argument("--mock", action="append", default=[], metavar="RID=PATH",
                    help="another platform's mock program, packed as runtimes/RID/native/<its file name>, mode 0755 (repeatable)")
    ap.add_argument("--no-dllmap", action="store_true", help="leave out lib/netstandard2.0/Fiks.Integrasjon.dll.config")
    args = ap.parse_args(argv)
    if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", args.version):
        sys.exit(f"--version {args.version!r} is not a SemVer version")
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or DEFAULT_EPOCH)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    readme = read(args.readme, "--readme")

    def per_rid(values, option, linux_x64, expected_names):
        """{rid: (file name, bytes)} from RID=PATH options, plus linux-x64."""
        out = {"linux-x64": (expected_names["linux"], read(linux_x64, f"{option}-linux-x64"))}
        for value in values:
            rid, sep, path = value.partition("=")
            if not sep or not RID.fullmatch(rid):
                sys.exit(f"{option} {value!r}: expected RID=PATH with RID like win-x64, osx-arm64, linux-arm64")
            if rid in out:
                sys.exit(f"{option}: {rid} given twice")
            name = Path(path).name
            want = expected_names["win" if rid.startswith("win") else "osx" if rid.startswith("osx") else "linux"]
            if name != want:
                sys.exit(f"{option} {value!r}: the file for {rid} must be named {want}")
            out[rid] = (name, read(path, f"{option} {rid}"))
        return out

    natives = per_rid(args.native, "--native", args.native_linux_x64,
                      {"linux": "libfiks_integrasjon.so", "osx": "libfiks_integrasjon.dylib", "win": "fiks_integrasjon.dll"})
    mocks = per_rid(args.mock, "--mock", args.mock_linux_x64,
                    {"linux": "fiks-integrasjon-mock", "osx": "fiks-integrasjon-mock", "win": "fiks-integrasjon-mock.exe"})
    lib = {
        f"{LIB}/Fiks.Integrasjon.dll": read(args.dll, "--dll"),
        f"{LIB}/Fiks.Integrasjon.xml": read(args.xml, "--xml"),
        "README.md": readme,
    }
    for rid, (name, data) in natives.items():
        lib[f"runtimes/{rid}/native/{name}"] = data
    if not args.no_dllmap:
        lib[f"{LIB}/Fiks.Integrasjon.dll.config"] = dllmap({rid: name for rid, (name, _) in natives.items()}).encode()
    testing = {
        f"{LIB}/Fiks.Integrasjon.Testing.dll": read(args.testing_dll, "--testing-dll"),
        f"{LIB}/Fiks.Integrasjon.Testing.xml": read(args.testing_xml, "--testing-xml"),
        "README.md": readme,
    }
    executables = set()
    for rid, (name, data) in mocks.items():
        testing[f"runtimes/{rid}/native/{name}"] = data
        executables.add(f"runtimes/{rid}/native/{name}")
    written = [
        write_nupkg(args.out, "Fiks.Integrasjon", args.version, [], lib, set(), epoch),
        write_nupkg(
            args.out, "Fiks.Integrasjon.Testing", args.version, [("Fiks.Integrasjon", f"[{args.version}]")], testing, executables, epoch
        ),
    ]
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
