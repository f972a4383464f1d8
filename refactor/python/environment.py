"""The project's Python environment: which interpreter, and where it imports from.

Installed packages must come from the environment the project runs in, not from the
one claude-lsp runs in (its own venv holds pygls, parso, anyio… which the project may
not have). The interpreter is, first match wins:

1. the ``claudeLsp.python.path`` setting (an interpreter, or a venv folder), which a
   client fills with its selected interpreter;
2. a virtual environment in the workspace: ``.venv``, ``venv``, ``env`` (a folder with
   ``pyvenv.cfg``);
3. ``$VIRTUAL_ENV``, unless it is claude-lsp's own environment.

Its ``sys.path`` is asked once (one subprocess, ~30 ms, on the worker thread) and
cached. Without any of them only the standard library is searched: offering modules
the project cannot import is worse than offering none.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

log = logging.getLogger(__name__)

VENV_NAMES = (".venv", "venv", "env")
_PROBE = (
    "import json, sys, sysconfig; "
    "paths = sysconfig.get_paths(); "
    "print(json.dumps({'path': sys.path, 'stdlib': [paths['stdlib'], paths['platstdlib']], "
    "'version': list(sys.version_info[:2])}))"
)


@dataclass(frozen=True)
class Environment:
    """An interpreter (None: the standard library only) and its import folders."""

    interpreter: str | None
    path: tuple[str, ...]  # sys.path entries that are folders, in order
    stdlib: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.interpreter or "stdlib-only"


def find_interpreter(root: str, setting: str | None = None) -> str | None:
    """The project's interpreter (see the module docstring for the order), or None."""
    if setting:
        candidate = os.path.expanduser(setting)
        if not os.path.isabs(candidate):
            candidate = os.path.join(root, candidate)
        found = _interpreter_in(candidate) if os.path.isdir(candidate) else candidate
        if found and os.path.isfile(found) and os.access(found, os.X_OK):
            return found
        log.warning("claudeLsp.python.path %r is not an interpreter; ignoring it", setting)
    for name in VENV_NAMES:
        folder = os.path.join(root, name)
        if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
            found = _interpreter_in(folder)
            if found:
                return found
    active = os.environ.get("VIRTUAL_ENV")
    if active and os.path.realpath(active) != os.path.realpath(sys.prefix):
        return _interpreter_in(active)
    return None


def _interpreter_in(folder: str) -> str | None:
    for relative in ("bin/python", "bin/python3", "Scripts/python.exe"):
        candidate = os.path.join(folder, *relative.split("/"))
        if os.path.isfile(candidate):
            return candidate
    return None


_cache: dict[tuple[str, float], Environment] = {}


def environment(interpreter: str | None) -> Environment:
    """The import folders of ``interpreter`` (cached while the interpreter is unchanged)."""
    if interpreter is None:
        return stdlib_only()
    try:
        stamp = os.stat(interpreter).st_mtime
    except OSError:
        log.warning("the project interpreter %s is gone; standard library only", interpreter)
        return stdlib_only()
    cached = _cache.get((interpreter, stamp))
    if cached is not None:
        return cached
    try:
        result = subprocess.run(
            [interpreter, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        data = json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        log.warning("cannot ask %s for its sys.path (%s); stdlib only", interpreter, error)
        return stdlib_only()
    folders = tuple(p for p in data["path"] if p and os.path.isdir(p))
    found = Environment(interpreter, folders, tuple(data["stdlib"]))
    _cache[(interpreter, stamp)] = found
    return found


def stdlib_only() -> Environment:
    """claude-lsp's own standard library (its site-packages left out)."""
    paths = sysconfig.get_paths()
    stdlib = tuple(dict.fromkeys([paths["stdlib"], paths["platstdlib"]]))
    dynload = os.path.join(paths["platstdlib"], "lib-dynload")
    folders = [*stdlib, *([dynload] if os.path.isdir(dynload) else [])]
    return Environment(None, tuple(folders), stdlib)


def is_stdlib(module: str) -> bool:
    """Whether ``module``'s top-level package is part of the standard library."""
    return module.split(".", maxsplit=1)[0] in sys.stdlib_module_names
