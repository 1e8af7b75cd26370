# Shared helpers for the test scripts (sourced, not run).

# step NAME: prints a heading, with the seconds since the script started.
step() { printf '\n==> %s  [%d s]\n' "$*" "$SECONDS"; }

# apt_install PKG...: installs Debian packages that are missing (idempotent, quiet).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# workspace_version: prints the first `version = "..."` of Cargo.toml, the workspace version
# (scripts/check_versions.py checks that it is [workspace.package]'s). Run from the repository root.
workspace_version() { sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n1; }

# abi_version: prints FIKS_INTEGRASJON_ABI_VERSION of ffi/src/abi.rs (the SONAME's number).
abi_version() { sed -n 's/^pub const FIKS_INTEGRASJON_ABI_VERSION: u32 = \([0-9]*\);/\1/p' ffi/src/abi.rs; }

# on_exit COMMAND...: runs COMMAND (eval'd) when the script exits, however it exits; commands
# run last registered first, each whatever the others do. All of them hang off one EXIT trap,
# so a script and these helpers each add their own cleanup without replacing another's: use
# on_exit instead of `trap ... EXIT` in a script that sources this file.
declare -p _lib_exit_cmds >/dev/null 2>&1 || _lib_exit_cmds=()
_lib_run_exit_cmds() {
  local i
  for ((i = ${#_lib_exit_cmds[@]} - 1; i >= 0; i--)); do
    eval "${_lib_exit_cmds[i]}" || true
  done
}
on_exit() {
  _lib_exit_cmds+=("$*")
  trap _lib_run_exit_cmds EXIT
}

# scrub_fiks_env [KEEP...]: unsets every exported FIKS_* variable but those named, so that no
# FIKS_<KEY> setting of the caller's shell leaks into the tests, examples or benchmarks.
scrub_fiks_env() {
  local name keep
  for name in $(compgen -e); do
    case "$name" in FIKS_*) ;; *) continue ;; esac
    for keep in "$@"; do [ "$name" = "$keep" ] && continue 2; done
    unset "$name"
  done
}

# start_mock DIR [ARGS...]: starts ${FIKS_MOCK_BIN:-target/debug/fiks-integrasjon-mock} writing
# into DIR and waits for its JSON line (DIR/mock.json). Sets MOCK_PID and MOCK_JSON_FILE (read
# values with: mock_get KEY). The mock's stdin is a FIFO this shell holds open, and it runs with
# --exit-on-stdin-close: when the script ends, however it ends (even killed), the FIFO closes
# and the mock stops; on_exit also closes it and kills the mock at a normal exit.
_lib_mock_fds=()
start_mock() {
  local dir=$1; shift
  mkdir -p "$dir"
  rm -f "$dir/mock.stdin"
  mkfifo "$dir/mock.stdin"
  (
    # Not the FIFOs of the mocks started before: each mock's stdin is held by this shell alone.
    for fd in "${_lib_mock_fds[@]}"; do exec {fd}>&-; done
    exec "${FIKS_MOCK_BIN:-target/debug/fiks-integrasjon-mock}" --dir "$dir" --exit-on-stdin-close "$@" \
      <"$dir/mock.stdin" >"$dir/mock.json" 2>"$dir/mock.log"
  ) &
  MOCK_PID=$!
  local fd
  exec {fd}>"$dir/mock.stdin"
  _lib_mock_fds+=("$fd")
  on_exit "exec $fd>&-; kill $MOCK_PID 2>/dev/null || true"
  for _ in $(seq 1 200); do
    [ -s "$dir/mock.json" ] && break
    kill -0 "$MOCK_PID" 2>/dev/null || { cat "$dir/mock.log" >&2; echo "the mock did not start" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$dir/mock.json" ] || { echo "the mock did not start (no $dir/mock.json after 10 s)" >&2; return 1; }
  MOCK_JSON_FILE="$dir/mock.json"
}

mock_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$MOCK_JSON_FILE" "$1"; }

# Results: every test program here ends with the plain closing line "N passed, N failed".
# read_summary LOG: reads the last such line of LOG into SUMMARY_LINE, SUMMARY_PASSED and
# SUMMARY_FAILED; with none, sets them to "", 0 and 0 and returns 1.
read_summary() {
  SUMMARY_LINE=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" 2>/dev/null | tail -n1 || true)
  if [[ "$SUMMARY_LINE" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    SUMMARY_PASSED=${BASH_REMATCH[1]}
    SUMMARY_FAILED=${BASH_REMATCH[2]}
    return 0
  fi
  SUMMARY_LINE="" SUMMARY_PASSED=0 SUMMARY_FAILED=0
  return 1
}

# print_summary PASSED FAILED: prints the closing line "N passed, N failed".
print_summary() { printf '%d passed, %d failed\n' "$1" "$2"; }

# The mcs options and references every C# build here uses (C# 7.2, warnings are errors).
DOTNET_REFS=(-r:System.dll -r:System.Core.dll -r:System.Net.Http.dll)
DOTNET_COMMON=(-langversion:7.2 -warnaserror+ -warn:4 -debug -nologo)

# dotnet_build_library OUT: installs Mono (mcs, runtime, the class libraries the binding uses)
# and builds OUT/Fiks.Integrasjon.dll (with OUT/Fiks.Integrasjon.xml, its doc comments checked)
# from dotnet/src/Fiks.Integrasjon. The .NET SDK builds the same sources from the csproj.
dotnet_build_library() {
  local out=$1
  step ".NET: Mono toolchain"
  apt_install mono-mcs mono-runtime libmono-system-net-http4.0-cil libmono-system-core4.0-cil libmono-system4.0-cil libmono-security4.0-cil
  mcs --version
  step ".NET: build $out/Fiks.Integrasjon.dll"
  mkdir -p "$out/obj"
  local version
  version=$(workspace_version)
  cat >"$out/obj/AssemblyVersion.cs" <<EOF_VERSION
// generated by scripts/lib.sh (the .NET SDK generates this from the csproj)
[assembly: System.Reflection.AssemblyVersion("${version}.0")]
[assembly: System.Reflection.AssemblyInformationalVersion("${version}")]
EOF_VERSION
  local lib_sources
  mapfile -t lib_sources < <(find dotnet/src/Fiks.Integrasjon -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
  # -unsafe: native strings are read in place (Native/Utf8.cs); the csproj sets AllowUnsafeBlocks.
  mcs -target:library "${DOTNET_COMMON[@]}" -unsafe -optimize+ "${DOTNET_REFS[@]}" \
    -doc:"$out/Fiks.Integrasjon.xml" -out:"$out/Fiks.Integrasjon.dll" \
    "$out/obj/AssemblyVersion.cs" "${lib_sources[@]}"
}

# dotnet_build_testing OUT: builds OUT/Fiks.Integrasjon.Testing.dll (with OUT/Fiks.Integrasjon.Testing.xml,
# its doc comments checked) from dotnet/src/Fiks.Integrasjon.Testing against OUT/Fiks.Integrasjon.dll
# (dotnet_build_library OUT first). The .NET SDK builds the same sources from its csproj.
dotnet_build_testing() {
  local out=$1
  step ".NET: build $out/Fiks.Integrasjon.Testing.dll"
  local testing_sources
  mapfile -t testing_sources < <(find dotnet/src/Fiks.Integrasjon.Testing -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | sort)
  mcs -target:library "${DOTNET_COMMON[@]}" -optimize+ "${DOTNET_REFS[@]}" -r:"$out/Fiks.Integrasjon.dll" \
    -doc:"$out/Fiks.Integrasjon.Testing.xml" -out:"$out/Fiks.Integrasjon.Testing.dll" \
    "$out/obj/AssemblyVersion.cs" "${testing_sources[@]}"
}
