# Shared helpers for the test scripts (sourced, not run).

# step NAME: prints a heading.
step() { printf '\n==> %s\n' "$*"; }

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

# start_mock DIR [ARGS...]: starts target/debug/fiks-integrasjon-mock writing into DIR,
# waits for its JSON line (DIR/mock.json) and registers it to be stopped on exit.
# Sets MOCK_PID. Read values with: mock_get KEY.
start_mock() {
  local dir=$1; shift
  mkdir -p "$dir"
  "${FIKS_MOCK_BIN:-target/debug/fiks-integrasjon-mock}" --dir "$dir" "$@" >"$dir/mock.json" 2>"$dir/mock.log" &
  MOCK_PID=$!
  MOCK_PIDS="${MOCK_PIDS:-} $MOCK_PID"
  trap 'for p in $MOCK_PIDS; do kill $p 2>/dev/null || true; done' EXIT
  for _ in $(seq 1 200); do
    [ -s "$dir/mock.json" ] && break
    kill -0 "$MOCK_PID" 2>/dev/null || { cat "$dir/mock.log" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$dir/mock.json" ] || { echo "mock did not start" >&2; return 1; }
  MOCK_JSON_FILE="$dir/mock.json"
}

mock_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$MOCK_JSON_FILE" "$1"; }
