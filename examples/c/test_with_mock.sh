#!/usr/bin/env bash
# An example test of a C program against the strict local mock, the way a user's own CI runs it:
# `fiks-integrasjon mock` (the CLI, from the release tarball or `cargo install --path cli`) serves
# Maskinporten and a Fiks API on 127.0.0.1 with its own test PKI and writes a ready fiks.toml; the
# program under test (here examples/c/fiks_sok, built with `make`) is pointed at that file.
#
#   examples/c/test_with_mock.sh [DIR_OF_FIKS_SOK]      (default: this directory)
#
# Needs `fiks-integrasjon` on PATH (or FIKS_CLI=/path/to/fiks-integrasjon) and python3 for the
# mock's control endpoints (curl works just as well: see the README's "Testing against the mock").
# Checks: a search succeeds and costs one token request; an injected Fiks 503 (every retry) ends
# in a transient error with exit code 1 and no crash; a Fiks 404 is printed with its errorId.
# Ends with "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
programs=${1:-$here}
cli=${FIKS_CLI:-fiks-integrasjon}
tmp=$(mktemp -d)
passed=0 failed=0
check() { # check DESCRIPTION COMMAND...: runs the command, counts the result
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $what"; else failed=$((failed + 1)); echo "FAIL $what"; fi
}

# The mock: its first line names the URL it listens on; it stops when this script ends.
"$cli" mock --dir "$tmp/mock" >"$tmp/mock.out" 2>&1 &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null; wait $mock_pid 2>/dev/null; rm -rf "$tmp"' EXIT
base=""
for _ in $(seq 1 200); do
  base=$(sed -n 's/^fiks-integrasjon mock listening on \(http[^ ]*\)$/\1/p' "$tmp/mock.out")
  [ -n "$base" ] && break
  kill -0 $mock_pid 2>/dev/null || break
  sleep 0.05
done
[ -n "$base" ] || { cat "$tmp/mock.out" >&2; echo "the mock did not start" >&2; exit 1; }
config="$tmp/mock/fiks.toml"

# control METHOD PATH [JSON]: one call to the mock's control endpoints (/_mock/...), prints the answer.
control() {
  python3 - "$base$2" "$1" "${3:-}" <<'EOF'
import sys, urllib.request
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3].encode() or None
req = urllib.request.Request(url, body, {"Content-Type": "application/json"}, method=method)
print(urllib.request.urlopen(req, timeout=10).read().decode())
EOF
}
counter() { control GET /_mock/counters | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

"$programs/fiks_sok" -c "$config" byggesak >"$tmp/ok.out" 2>"$tmp/ok.err"
check "fiks_sok succeeds against the mock (exit $?)" test -s "$tmp/ok.out"
check "one token request for one run ($(counter token_requests))" test "$(counter token_requests)" = 1

control POST /_mock/faults '{"target": "fiks", "faults": ["503"], "times": 10}' >/dev/null
"$programs/fiks_sok" -c "$config" byggesak >"$tmp/fault.out" 2>"$tmp/fault.err"
status=$?
check "an injected 503 ends in exit code 1, a Fiks error, not a crash (exit $status)" test "$status" = 1
check "the error says trying again may help" grep -q "transient" "$tmp/fault.err"
control POST /_mock/reset >/dev/null

"$programs/fiks_sok" -c "$config" -p /status/404 byggesak >"$tmp/404.out" 2>"$tmp/404.err"
status=$?
check "a Fiks 404 is exit code 1 (exit $status)" test "$status" = 1
check "its errorId is printed" grep -Eq "errorId: +[0-9a-f-]{36}" "$tmp/404.err"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
