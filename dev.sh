#!/usr/bin/env bash
# lessonkit developer entry point. On a fresh Debian/Ubuntu machine with Python 3.11+:
#   ./dev.sh demo [serve options]  set up (with the Debian packages serving needs: bubblewrap,
#                                  so code exercises are checked), then serve the loops lesson in
#                                  Voilà on this machine (prints the address and where evidence
#                                  goes; Ctrl-C stops)
#   ./dev.sh test [pytest args]    set everything up, lint, type-check, build the docs, then run
#                                  the full test suite (what CI runs: .ci/run)
#   ./dev.sh docs [serve]          build the documentation site (strict) into site/, or serve it
#   ./dev.sh bench [--quick]       run the benchmarks (a table, and benchmarks/results.json)
#   ./dev.sh lock [uv options]     re-resolve requirements/constraints.txt, keeping every pin that
#                                  still fits; --upgrade-package NAME moves one, --upgrade all
#   ./dev.sh lowest [pytest args]  run the tests at the lowest versions pyproject.toml allows
#   ./dev.sh i18n [update|add LANG|compile|check]
#                                  message catalogs (docs/languages.md): update extracts the
#                                  strings lessonkit shows into lessonkit.pot and merges them into
#                                  every language's .po (the default, then compile); add LANG
#                                  starts a new language; compile writes the .mo files; check
#                                  runs the catalog tests (complete, up to date, plural forms)
#
# Python packages are installed at the versions pinned in requirements/constraints.txt (the
# single source of pins: CI, Binder and the install tests use it too), into $LESSONKIT_VENV
# (default .venv). Setup is skipped when nothing it depends on changed since the last run.
set -euo pipefail
cd "$(dirname "$0")"

VENV="${LESSONKIT_VENV:-.venv}"
PY="$VENV/bin/python"
LOCK=requirements/constraints.txt
export NO_MKDOCS_2_WARNING=1 # mkdocs-material prints a banner about its successor on every build
DEV_EXTRAS="[test,docs,dev]" # what a development environment has
AXE_CORE=axe-core@4.14.1 # npm; the browser tests inject it to check accessibility
CHP=configurable-http-proxy@5.3.0 # npm; the proxy a real JupyterHub runs behind (hub tests)
HUB55=jupyterhub==5.5.0 # the hub Zero to JupyterHub 4.4 ships: tests/hub also run against it

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

have() { command -v "$1" >/dev/null 2>&1; }

# pip prints one warning per unreadable find-links entry on some machines: keep the log readable
# without hiding pip's exit status (pipefail).
quiet_pip() { "$PY" -m pip "$@" 2>&1 | { grep -v '^WARNING: Location' || true; }; }

apt_install() {
  # Install Debian packages. A fresh image has no package lists: they are fetched (apt-get
  # update) only when the install cannot find a package, so a machine that has the lists
  # needs no network here. Another apt run holding the lock is waited for, not failed on.
  [ $# -gt 0 ] || return 0
  log "installing Debian packages: $*"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120
    install -y -qq "$@")
  if ! as_root "${install[@]}" >/dev/null 2>&1; then
    as_root apt-get -o DPkg::Lock::Timeout=120 update -qq
    as_root "${install[@]}" >/dev/null
  fi
}

demo_packages() {
  # Debian packages serving a lesson needs (./dev.sh demo, and the tests, which serve lessons
  # too). One check per line.
  local missing=()
  have bwrap || missing+=(bubblewrap)                         # the learner-code sandbox: without
                                                              # it code exercises go unchecked
  /sbin/ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2' \
    || missing+=(libseccomp2)                                 # its seccomp filter (pyseccomp)
  [ -x "$PY" ] || python3 -c 'import ensurepip' 2>/dev/null \
    || missing+=(python3-venv)                                # python3 -m venv (Debian splits it)
  apt_install "${missing[@]}"
}

test_packages() {
  # Debian packages only the real-component tests need, beyond demo_packages. One check per
  # line: a new tool the tests need gets its own line here.
  local missing=()
  have chromium || missing+=(chromium)                       # browser tests (Playwright)
  have initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    || missing+=(postgresql)                                  # PostgreSQL store tests
  have node || missing+=(nodejs)                              # axe-core (accessibility)
  have npm || missing+=(npm)
  have pandoc || missing+=(pandoc)                            # qti2latex reads exported QTI
  have haproxy || [ -x /usr/sbin/haproxy ] || missing+=(haproxy) # replicas behind a balancer
  apt_install "${missing[@]}"
}

setup_stamp() {
  # What the environment was installed from: the pins, the project metadata, the extras.
  printf '%s %s\n' "$1" "$(cat "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
}

python_env() {
  local extras="$1" stamp="$VENV/.lessonkit-setup"
  if [ ! -x "$PY" ]; then
    log "creating a virtual environment in $VENV"
    python3 -m venv "$VENV"
  fi
  if [ -f "$stamp" ] && grep -qxF "$(setup_stamp "$extras")" "$stamp" \
    && "$PY" -c "import lessonkit" 2>/dev/null; then
    return
  fi
  log "installing lessonkit$extras with the versions pinned in $LOCK"
  quiet_pip install -q -c "$LOCK" pip
  quiet_pip install -q -c "$LOCK" -e ".$extras"
  "$PY" -c "import lessonkit" || { log "installation failed"; exit 1; }
  # A fuller install also satisfies the plain one, which demo asks for.
  { setup_stamp "$extras"; setup_stamp ""; } >"$stamp"
}

node_tools() {
  # axe-core: the browser tests inject it to check accessibility. configurable-http-proxy: the
  # real JupyterHub in tests/hub and benchmarks/bench_hub.py. One npm call for both: a later
  # `npm install` of one would prune the other (nothing here writes a package.json).
  local want="$AXE_CORE $CHP" have_now=""
  for tool in axe-core configurable-http-proxy; do
    if [ -f "node_modules/$tool/package.json" ]; then
      have_now+="$tool@$("$PY" -c "import json; print(json.load(open('node_modules/$tool/package.json'))['version'])") "
    fi
  done
  if [ "${have_now% }" != "$want" ]; then
    log "installing $want from npm"
    npm install --no-audit --no-fund --silent --no-save --no-package-lock --prefix . $want >/dev/null
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

hub55_env() {
  # lessonkit with the pinned versions except JupyterHub, which is the one Zero to JupyterHub
  # 4.4 ships, in .venv-hub55: tests/hub run their real hub (and its service, single-user
  # servers and kernels) from it as well as from the main environment.
  local venv=.venv-hub55 hub55_lock=build/constraints-hub55.txt
  local want
  want="$HUB55 $(cat "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
  if [ -f "$venv/.lessonkit-setup" ] && [ "$(cat "$venv/.lessonkit-setup")" = "$want" ] \
    && "$venv/bin/python" -c "import lessonkit" 2>/dev/null; then
    return
  fi
  log "installing lessonkit[hub] with $HUB55 in $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  mkdir -p build
  grep -v '^jupyterhub==' "$LOCK" >"$hub55_lock" # every other pin holds
  PY="$venv/bin/python" quiet_pip install -q -c "$hub55_lock" -e ".[hub]" "$HUB55"
  echo "$want" >"$venv/.lessonkit-setup"
}

cmd_demo() {
  demo_packages
  python_env ""
  "$VENV/bin/lessonkit" validate -q lessons/
  log "serving the loops lesson (code exercises run on this machine: --allow-code)"
  # exec: Ctrl-C and SIGTERM reach `lessonkit serve`, which stops Voilà and its kernels.
  exec "$VENV/bin/lessonkit" serve lessons/loops/loops.ipynb --allow-code "$@"
}

cmd_docs() {
  python_env "$DEV_EXTRAS"
  if [ "${1:-}" = serve ]; then
    shift
    exec "$VENV/bin/mkdocs" serve "$@"
  fi
  "$VENV/bin/mkdocs" build --strict --quiet "$@"
  log "documentation built in site/"
}

cmd_test() {
  demo_packages
  test_packages
  python_env "$DEV_EXTRAS"
  node_tools
  ralph_env
  hub55_env
  log "lint: ruff"
  "$VENV/bin/ruff" check lessonkit tests benchmarks
  "$VENV/bin/ruff" format --check lessonkit tests benchmarks
  log "types: mypy (strict, core)"
  "$VENV/bin/mypy"
  log "lessons: lessonkit validate"
  "$VENV/bin/lessonkit" validate -q lessons/
  log "docs: mkdocs build --strict"
  "$VENV/bin/mkdocs" build --strict --quiet
  # The slowest tests are listed at the end: the whole run must stay well under 30 minutes.
  if [ $# -gt 0 ]; then
    log "tests: pytest $*"
    PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pytest" --durations=25 "$@"
    return
  fi
  # Most tests wait on servers, kernels and a browser: the files run side by side, one per
  # process at a time (their module fixtures stay whole); those marked serial (which measure
  # memory or time, or stop a server) run after, alone. Both parts run; either failing fails.
  local workers="${LESSONKIT_TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}" status=0
  [ "$workers" -gt 4 ] && workers=4
  log "tests: pytest, files side by side in $workers processes"
  PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pytest" -n "$workers" --dist loadfile -m "not serial" \
    --durations=25 || status=$?
  log "tests: pytest, the serial ones alone"
  PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pytest" -m serial --durations=10 || status=$?
  return "$status"
}

cmd_bench() {
  demo_packages
  test_packages  # PostgreSQL and HAProxy for the hub and scale-out suites
  python_env "$DEV_EXTRAS"
  node_tools  # configurable-http-proxy for the hub suite
  # Kernels import lessonkit from this checkout: give it the bytecode an installed wheel has, so
  # a machine that sets PYTHONDONTWRITEBYTECODE does not time compiling lessonkit in every kernel.
  "$PY" -m compileall -q lessonkit >/dev/null
  "$PY" benchmarks/run.py "$@"
}

cmd_lock() {
  python_env "$DEV_EXTRAS"
  # Universal: one file for every platform and Python lessonkit supports. The pins already in
  # the file are kept unless the options ask otherwise (--upgrade, --upgrade-package NAME).
  "$VENV/bin/uv" pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
    --custom-compile-command "./dev.sh lock" --quiet --output-file "$LOCK" "$@"
  git --no-pager diff --stat -- "$LOCK" || true
}

cmd_lowest() {
  # The oldest release of each direct dependency that pyproject.toml allows (their own
  # dependencies at the newest versions that fit), in a separate environment.
  python_env "$DEV_EXTRAS"
  local venv="${LESSONKIT_LOWEST_VENV:-.venv-lowest}" lowest=build/constraints-lowest.txt
  mkdir -p build
  "$VENV/bin/uv" pip compile pyproject.toml --extra test --resolution lowest-direct \
    --python-version 3.11 --quiet --output-file "$lowest"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  log "installing the lowest supported versions into $venv"
  PY="$venv/bin/python" quiet_pip install -q -c "$lowest" -e ".[test]"
  log "tests at the lowest versions: pytest (not those that install the pinned set)"
  # Old releases beside new ones deprecate each other's APIs: that is their business, not a
  # failure of lessonkit's lower bounds, so deprecation warnings are not errors here.
  PATH="$PWD/$venv/bin:$PATH" "$venv/bin/pytest" -m "not install" \
    -W ignore::DeprecationWarning -W ignore::PendingDeprecationWarning "$@"
}

cmd_i18n() {
  python_env "$DEV_EXTRAS"
  local locale=lessonkit/i18n/locale pot=lessonkit/i18n/locale/lessonkit.pot
  local babel=("$VENV/bin/pybabel")
  extract() {
    # Sorted by message, locations without line numbers: moving code does not churn the files.
    "${babel[@]}" -q extract -F pyproject.toml --sort-output --add-location=file \
      --add-comments=Translators: --project=lessonkit --copyright-holder="lessonkit developers" \
      --version="$("$PY" -c 'import lessonkit; print(lessonkit.__version__)')" \
      --msgid-bugs-address=https://github.com/lessonkit/lessonkit/issues \
      --header-comment="# Messages lessonkit shows (docs/languages.md: ./dev.sh i18n update)." \
      --ignore-dirs=".* ._ node_modules site build tests docs" -o "$pot" .
  }
  compile() { "${babel[@]}" compile -d "$locale" -D lessonkit --statistics; }
  case "${1:-update}" in
    update)
      extract
      "${babel[@]}" -q update -i "$pot" -d "$locale" -D lessonkit --ignore-obsolete
      compile
      log "catalogs updated: translate the empty and fuzzy messages in $locale/*/LC_MESSAGES/" \
        "lessonkit.po, then ./dev.sh i18n compile"
      ;;
    add)
      [ -n "${2:-}" ] || { echo "usage: ./dev.sh i18n add LANG (a BCP 47 tag, e.g. fr)" >&2; exit 2; }
      extract
      "${babel[@]}" init -i "$pot" -d "$locale" -D lessonkit -l "${2//-/_}"
      log "translate $locale/${2//-/_}/LC_MESSAGES/lessonkit.po, then ./dev.sh i18n compile"
      ;;
    compile) compile ;;
    check) PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/pytest" -q tests/unit/test_i18n_catalogs.py ;;
    *)
      echo "usage: ./dev.sh i18n [update|add LANG|compile|check]" >&2
      exit 2
      ;;
  esac
}

case "${1:-}" in
  demo) shift; cmd_demo "$@" ;;
  test) shift; cmd_test "$@" ;;
  docs) shift; cmd_docs "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  lock) shift; cmd_lock "$@" ;;
  lowest) shift; cmd_lowest "$@" ;;
  i18n) shift; cmd_i18n "$@" ;;
  *)
    echo "usage: ./dev.sh demo [serve options] | test [pytest args] | docs [serve]" \
      "| bench [--quick] | lock [uv options] | lowest [pytest args]" \
      "| i18n [update|add LANG|compile|check]" >&2
    exit 2
    ;;
esac
