"""Helper of scripts/mutation.sh --recheck (one mutated file at a time).

``changed OLD NEW``: the mutmut function prefixes (``x_name``, ``xǁClassǁname``) of the
top-level functions and methods of NEW whose code differs from OLD (or is new).
``names META CHANGED``: the mutants to run again — every one not killed (survivors,
mutants a cut-short run never checked, "no tests") of functions that did not change,
and every mutant of a changed function (as fnmatch patterns; their numbering is new).
``merge BEFORE AFTER CHANGED``: AFTER's verdicts, but an earlier "killed" of a function
that did not change is kept (more tests cannot bring a killed mutant back to life).
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path


def _functions(path: str) -> dict[str, str]:
    found = {}
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[f"x_{node.name}"] = ast.dump(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[f"x\u01c1{node.name}\u01c1{item.name}"] = ast.dump(item)
    return found


# mutmut's exit codes that mean killed (by a test, a timeout, the type checker); anything
# else (survived, not checked, no tests, suspicious, interrupted) is run again
KILLED = {1, 3, 24, -24, 36, 152, 255, 37}


def _function(key: str) -> str:
    return key.rsplit(".", 1)[1].rsplit("__mutmut_", 1)[0]


def _codes(path: str) -> dict[str, int | None]:
    return dict(json.loads(Path(path).read_text())["exit_code_by_key"])


def main(command: str, *args: str) -> None:
    if command == "changed":
        old, new = _functions(args[0]), _functions(args[1])
        print("\n".join(f for f in new if old.get(f) != new[f]))
    elif command == "names":
        codes, changed = _codes(args[0]), Path(args[1]).read_text().split()
        meta = args[0].removesuffix(".before")
        module = meta.split("/mutants/", 1)[1].removesuffix(".py.meta").replace("/", ".")
        for key, code in codes.items():
            if code not in KILLED and _function(key) not in changed:
                print(key)
        for function in changed:
            print(f"{module}.{function}__mutmut_*")
    elif command == "merge":
        before, changed = _codes(args[0]), Path(args[2]).read_text().split()
        after = json.loads(Path(args[1]).read_text())

        def kept(key: str) -> bool:
            return before.get(key) in KILLED and _function(key) not in changed

        codes = after["exit_code_by_key"]
        after["exit_code_by_key"] = {k: before[k] if kept(k) else v for k, v in codes.items()}
        Path(args[1]).write_text(json.dumps(after))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(*sys.argv[1:])
