#!/usr/bin/env bash
# Proves the runtime dependencies are declared as runtime: install the package the way a user
# does (`pip install .`, honouring constraints.txt, no dev extra) into a fresh temporary venv,
# start `aicoach serve` on a free port with its data in a temporary folder, and require
# /healthz to answer 200 within a bounded wait. A package that the app imports but that only
# the dev extra brings in makes the server die at start-up, and this script fail.
#
# Usage: scripts/check_clean_install.sh   (CLEAN_INSTALL_TIMEOUT=seconds, PYTHON=interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
python=${PYTHON:-python3}
timeout=${CLEAN_INSTALL_TIMEOUT:-120}

work=$(mktemp -d "${TMPDIR:-/tmp}/aicoach-clean-install.XXXXXX")
server_pid=""
cleanup() {
  local rc=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    # The server leads its own process group (setsid below): stop it and anything it spawned.
    kill -TERM -- "-$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "check_clean_install: FAILED: $*" >&2
  if [[ -s $work/server.log ]]; then
    echo "--- last lines of the server log ---" >&2
    tail -n 40 "$work/server.log" >&2
  fi
  exit 1
}

# Build from the files a clone would have (tracked plus new, not ignored), not from the work
# tree as it is: a stray local file or an in-tree build folder must not make this pass.
mkdir "$work/src"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$repo" ls-files -z --cached --others --exclude-standard \
    | tar -c --null --ignore-failed-read -T - 2>/dev/null | tar -x -C "$work/src"
else
  tar -c --exclude=./.venv --exclude=./data --exclude=./.git . | tar -x -C "$work/src"
fi

echo "check_clean_install: installing into a fresh venv (pip install -c constraints.txt .)"
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -c "$work/src/constraints.txt" "$work/src" >"$work/pip.log" 2>&1 \
  || { tail -n 40 "$work/pip.log" >&2; fail "pip install . did not succeed"; }

port=$("$python" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir "$work/data" "$work/run"
echo "check_clean_install: starting aicoach serve on 127.0.0.1:$port"
# A bare environment: the embedded defaults (SQLite in the data folder, jobs in-process, the
# simulated market and the offline coach), whatever DATABASE_URL/REDIS_URL the caller has set.
# The working folder is empty, so no .env file is read either.
(
  cd "$work/run"
  exec env -i PATH=/usr/bin:/bin HOME="$work/run" LANG=C.UTF-8 \
    AICOACH_DATA_DIR="$work/data" \
    setsid "$work/venv/bin/aicoach" serve --host 127.0.0.1 --port "$port" \
    >"$work/server.log" 2>&1
) &
server_pid=$!

url="http://127.0.0.1:$port/healthz"
deadline=$((SECONDS + timeout))
while :; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    fail "the server exited before $url answered (a runtime import missing from [project] dependencies?)"
  fi
  code=$("$python" -c 'import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except Exception as e:
    print(getattr(e, "code", 0))' "$url")
  if [[ $code == 200 ]]; then
    echo "check_clean_install: OK ($url answered 200 from a clean install)"
    exit 0
  fi
  ((SECONDS < deadline)) || fail "$url did not answer 200 within ${timeout}s (last status: $code)"
  sleep 0.5
done
