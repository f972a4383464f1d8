#!/usr/bin/env bash
# Mutation testing (mutmut 3) over the security- and correctness-critical modules, one
# module at a time, each against only the tests that exercise it. Slow: not part of
# scripts/test.sh. Usage:
#
#   scripts/mutation.sh MODULE...            # MODULE: one of the names below, or "all"
#   scripts/mutation.sh --recheck MODULE...  # after adding tests: rerun only the survivors
#
# Each module runs in its own scratch copy of the work tree (.mutation/MODULE, ignored
# by git) whose pyproject.toml gets a [tool.mutmut] section naming the file to mutate
# and the tests to run; mutmut's own cache lives there too, so a second run only redoes
# what changed. --recheck (scripts/mutation_recheck.py) runs again, against the current
# tests, the survivors, the mutants a cut-short run never checked and every mutant of a
# function changed since, and keeps every other "killed" verdict (more tests cannot
# bring a killed mutant back to life; mutmut itself would rerun everything, as the test
# selection changed). The last line
# per module is "MODULE killed/total (score %)";
# `cd .mutation/MODULE && ../../.venv/bin/mutmut results` lists the survivors and
# `mutmut show NAME` prints one as a diff. Runs under nice with 2 workers
# (MUTATION_CHILDREN to change).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MUTMUT=$ROOT/.venv/bin/mutmut
CHILDREN=${MUTATION_CHILDREN:-2}

# module -> "files to mutate|tests that exercise them"
declare -A MODULES=(
    [permissions]="agent/permissions.py|tests/agent/test_permissions.py tests/agent/test_permission_rules.py tests/agent/test_permission_edges.py tests/agent/test_sandbox.py"
    [bash-policy]="agent/bash_strict.py agent/bash_programs.py|tests/agent/test_bash_strict.py tests/agent/test_bash_programs.py tests/agent/test_permissions.py tests/agent/test_permission_rules.py"
    [shell]="agent/shell.py|tests/agent/test_shell.py tests/agent/test_shell_wrappers.py tests/agent/test_permissions.py"
    [paths]="agent/paths.py|tests/agent/test_paths.py tests/agent/test_permissions.py tests/agent/test_permission_rules.py tests/agent/test_regression_guards.py tests/agent/test_tools_files.py"
    [secrets]="agent/secrets.py|tests/agent/test_secrets.py tests/agent/test_secrets_redaction.py tests/agent/test_tools_search.py"
    [sandbox]="agent/sandbox.py|tests/agent/test_sandbox.py tests/agent/test_sandbox_git.py tests/agent/test_sandbox_paths.py tests/agent/test_sandbox_setup.py tests/agent/test_sandbox_network.py tests/agent/test_tools_bash.py"
    [sandbox-system]="agent/sandbox_system.py|tests/agent/test_sandbox.py tests/agent/test_sandbox_setup.py tests/agent/test_tools_bash.py"
    [matching]="agent/tools/matching.py|tests/agent/test_edit_matching.py tests/agent/test_tools_files.py tests/agent/test_edit_corpus.py tests/agent/test_regression_guards.py"
    [diagnostics]="server/diagnostics.py|tests/server/test_diagnostics_store.py tests/server/test_diagnostics_worker.py"
    [rename]="refactor/python/rename.py|tests/refactor/python/test_engine.py tests/refactor/python/test_rename_groups.py tests/refactor/python/test_fixtures.py tests/refactor/python/test_layout.py tests/refactor/python/test_rename_text.py tests/refactor/python/test_rename_refusals.py tests/refactor/python/test_rename_kinds.py"
)
ORDER=(permissions bash-policy shell paths secrets sandbox sandbox-system matching diagnostics rename)

RECHECK=0
if [ "${1:-}" = --recheck ]; then
    RECHECK=1
    shift
fi
if [ $# -eq 0 ]; then
    echo "usage: $0 MODULE... (${ORDER[*]} | all)" >&2
    exit 2
fi
if [ "$1" = all ]; then
    set -- "${ORDER[@]}"
fi

for name in "$@"; do
    entry=${MODULES[$name]:-}
    if [ -z "$entry" ]; then
        echo "unknown module: $name (known: ${ORDER[*]})" >&2
        exit 2
    fi
    read -r -a targets <<<"${entry%%|*}"
    read -r -a tests <<<"${entry#*|}"
    work=$ROOT/.mutation/$name
    mkdir -p "$work"
    RECHECKER=$ROOT/scripts/mutation_recheck.py
    metas=()
    for target in "${targets[@]}"; do
        meta=$work/mutants/$target.meta
        metas+=("$meta")
        if [ "$RECHECK" = 1 ]; then
            [ -f "$meta" ] || { echo "$name: no earlier run to recheck" >&2; exit 1; }
            cp "$meta" "$meta.before"
            # what changed since the earlier run, whose copy of the sources is still there
            "$ROOT/.venv/bin/python" "$RECHECKER" changed "$work/$target" "$ROOT/$target" >"$meta.changed"
        fi
    done
    # Fresh copy of the sources and tests (tracked and new files), keeping mutants/.
    git ls-files -z --cached --others --exclude-standard -- agent server refactor tests pyproject.toml \
        | tar --null -T - -cf - | tar -xf - -C "$work"
    {
        echo
        echo "[tool.mutmut]"
        echo 'source_paths = ["agent", "server", "refactor"]'
        printf 'only_mutate = ['
        printf '"%s", ' "${targets[@]}"
        echo ']'
        printf 'pytest_add_cli_args_test_selection = ['
        printf '"%s", ' "${tests[@]}"
        echo ']'
        echo 'pytest_add_cli_args = ["-p", "no:cacheprovider"]'
    } >>"$work/pyproject.toml"
    names=()
    if [ "$RECHECK" = 1 ]; then
        for meta in "${metas[@]}"; do
            mapfile -t -O "${#names[@]}" names < <("$ROOT/.venv/bin/python" "$RECHECKER" names "$meta.before" "$meta.changed")
        done
        [ ${#names[@]} -gt 0 ] || { echo "$name: nothing to recheck"; continue; }
    fi
    (cd "$work" && nice -n 10 "$MUTMUT" run --max-children "$CHILDREN" "${names[@]}" >"$work/run.log" 2>&1) || {
        echo "$name: mutmut failed, see $work/run.log" >&2
        tail -20 "$work/run.log" >&2
        exit 1
    }
    if [ "$RECHECK" = 1 ]; then
        for meta in "${metas[@]}"; do
            "$ROOT/.venv/bin/python" "$RECHECKER" merge "$meta.before" "$meta" "$meta.changed"
        done
    fi
    (cd "$work" && "$MUTMUT" export-cicd-stats >/dev/null)
    "$ROOT/.venv/bin/python" - "$name" "$work/mutants/mutmut-cicd-stats.json" <<'EOF'
import json, sys
name, path = sys.argv[1], sys.argv[2]
s = json.load(open(path))
killed = s["killed"] + s["timeout"] + s["segfault"]
total = s["total"] - s["skipped"]
print(f"{name} {killed}/{total} ({100 * killed / max(total, 1):.1f} %) "
      f"survived {s['survived']}, no tests {s['no_tests']}, suspicious {s['suspicious']}")
EOF
done
