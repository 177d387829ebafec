#!/usr/bin/env bash
# lessonkit developer entry point. On a fresh machine:
#   ./dev.sh demo    set everything up, then open the example lesson in Voilà
#   ./dev.sh test    set everything up, then run the full test suite (what CI runs)
#   ./dev.sh bench   run the benchmarks (prints a table, writes benchmarks/results.json)
set -euo pipefail
cd "$(dirname "$0")"

VENV="${LESSONKIT_VENV:-.venv}"
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

system_packages() {
  # Debian packages the real-component tests need: chromium (browser tests) and PostgreSQL.
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    || missing+=(postgresql)
  command -v node >/dev/null || missing+=(nodejs npm)
  command -v bwrap >/dev/null || missing+=(bubblewrap)  # the learner-code sandbox
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

python_env() {
  local extras="$1"
  if [ ! -x "$PY" ]; then
    log "creating virtual environment in $VENV"
    python3 -m venv "$VENV"
  fi
  log "installing lessonkit$extras and its dependencies"
  "$PY" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  "$PY" -m pip install -q -e ".$extras" 2>&1 | grep -v '^WARNING: Location' || true
  "$PY" -c "import lessonkit" || { log "installation failed"; exit 1; }
}

node_tools() {
  # axe-core (accessibility checks injected into the browser tests), from npm.
  if [ ! -f node_modules/axe-core/axe.min.js ]; then
    log "installing axe-core from npm"
    npm install --no-audit --no-fund --silent --prefix . axe-core@4 >/dev/null
  fi
  # configurable-http-proxy: the real JupyterHub in tests/hub and benchmarks/bench_hub.py.
  if [ ! -x node_modules/.bin/configurable-http-proxy ]; then
    log "installing configurable-http-proxy from npm"
    npm install --no-audit --no-fund --silent --prefix . configurable-http-proxy@5.3.0 >/dev/null
  fi
}

ralph_env() {
  # A real Ralph xAPI LRS for tests/hub (its exact pins need a virtual environment of its own).
  if [ ! -x .venv-ralph/bin/uvicorn ]; then
    log "installing the Ralph LRS in .venv-ralph"
    python3 -m venv .venv-ralph
    .venv-ralph/bin/python -m pip install -q 'ralph-malph[cli,lrs]==5.1.0' requests 2>&1 \
      | grep -v '^WARNING: Location' || true
  fi
}

cmd_demo() {
  python_env ""
  "$VENV/bin/lessonkit" validate lessons/
  log "all example lessons are valid"
}

cmd_test() {
  system_packages
  python_env "[test]"
  node_tools
  ralph_env
  log "lint: ruff"
  "$VENV/bin/ruff" check lessonkit tests benchmarks
  "$VENV/bin/ruff" format --check lessonkit tests benchmarks
  log "types: mypy (strict, core)"
  "$VENV/bin/mypy"
  log "lessons: lessonkit validate"
  "$VENV/bin/lessonkit" validate -q lessons/
  log "tests: pytest"
  PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pytest" "$@"
}

cmd_bench() {
  python_env "[test]"
  "$PY" benchmarks/run.py "$@"
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) echo "usage: ./dev.sh demo | test [pytest args] | bench [--quick]" >&2; exit 2 ;;
esac
