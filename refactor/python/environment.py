"""The project's Python environment: which interpreter, and where it imports from.

Installed packages must come from the environment the project runs in, not from the
one claude-lsp runs in (its own venv holds pygls, parso, anyio… which the project may
not have). The interpreter is, first match wins:

1. the ``claudeLsp.python.path`` setting (an interpreter, or a venv folder), which a
   client fills with its selected interpreter;
2. a virtual environment in the workspace: ``.venv``, ``venv``, ``env`` (a folder with
   ``pyvenv.cfg``);
3. ``$VIRTUAL_ENV``, unless it is claude-lsp's own environment.

A virtual environment is never run: its import folders are read from its files
(``pyvenv.cfg``, ``site-packages`` and its ``.pth`` path lines), because a command the
agent ran — sandboxed — could have written ``.venv/bin/python`` or a ``.pth`` that
executes, and running it here would run that outside the sandbox. Only an interpreter
that is not a venv (the setting naming one) is asked for its ``sys.path``, once (one
subprocess, ~30 ms, on the worker thread). Both are cached. Without any of them only
the standard library is searched: offering modules the project cannot import is worse
than offering none.
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
    venv = _venv_of(interpreter)
    if venv is not None:
        return _venv_environment(interpreter, venv)
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


def _venv_of(interpreter: str) -> str | None:
    """The virtual environment ``interpreter`` belongs to (``bin/python`` or
    ``Scripts/python.exe`` beside a ``pyvenv.cfg``), if any."""
    folder = os.path.dirname(os.path.dirname(os.path.abspath(interpreter)))
    return folder if os.path.isfile(os.path.join(folder, "pyvenv.cfg")) else None


def _venv_environment(interpreter: str, venv: str) -> Environment:
    """A venv's import folders from its files alone (see the module docstring): the
    standard library of the Python it was made from (``home``), its ``site-packages``
    and the folders its ``.pth`` files name (editable installs), and the base
    ``site-packages`` when ``include-system-site-packages`` is true."""
    config = _read_cfg(os.path.join(venv, "pyvenv.cfg"))
    version = _version(config, venv)
    if version is None:
        log.warning("cannot tell the Python version of %s; standard library only", venv)
        return stdlib_only()
    windows = os.path.isdir(os.path.join(venv, "Lib", "site-packages"))
    if windows:
        site = os.path.join(venv, "Lib", "site-packages")
    else:
        site = os.path.join(venv, "lib", f"python{version}", "site-packages")
    try:
        stamp = (os.stat(os.path.join(venv, "pyvenv.cfg")).st_mtime, os.stat(site).st_mtime)
    except OSError:
        stamp = (0.0, 0.0)
    cached = _venv_cache.get((interpreter, stamp))
    if cached is not None:
        return cached
    home = config.get("home", "")
    base = home if windows or os.path.basename(home) != "bin" else os.path.dirname(home)
    base = config.get("base-prefix") or base  # virtualenv says it outright
    base_lib = (
        os.path.join(base, "Lib") if windows else os.path.join(base, "lib", f"python{version}")
    )
    if os.path.isfile(os.path.join(base_lib, "os.py")):
        stdlib: tuple[str, ...] = (base_lib,)
        folders = [base_lib, os.path.join(base_lib, "lib-dynload"), os.path.join(base, "DLLs")]
    else:  # the base Python is gone or elsewhere: claude-lsp's own standard library
        own = stdlib_only()
        stdlib, folders = own.stdlib, list(own.path)
    folders += [site, *_pth_folders(site)]
    if config.get("include-system-site-packages", "").lower() == "true":
        base_site = os.path.join(base_lib, "site-packages")
        folders += [base_site, *_pth_folders(base_site)]
        if base == "/usr":  # Debian's own packages
            folders.append("/usr/lib/python3/dist-packages")
    found = Environment(
        interpreter, tuple(dict.fromkeys(f for f in folders if os.path.isdir(f))), stdlib
    )
    _venv_cache[(interpreter, stamp)] = found
    return found


_venv_cache: dict[tuple[str, tuple[float, float]], Environment] = {}


def _read_cfg(path: str) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, sep, value = line.partition("=")
                if sep:
                    values[key.strip().lower()] = value.strip()
    except OSError:
        pass
    return values


def _version(config: dict[str, str], venv: str) -> str | None:
    """The "3.11" of ``version_info`` (uv, virtualenv) or ``version`` (venv; virtualenv's
    may be its own) whose ``lib/pythonX.Y`` the venv has; else its only ``lib/python3.*``."""
    try:
        found = [n for n in os.listdir(os.path.join(venv, "lib")) if n.startswith("python3.")]
    except OSError:
        found = []
    for key in ("version_info", "version"):
        parts = config.get(key, "").split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            version = f"{parts[0]}.{parts[1]}"
            if f"python{version}" in found or not found:
                return version
    return found[0].removeprefix("python") if len(found) == 1 else None


def _pth_folders(site: str) -> list[str]:
    """The folders a site folder's ``.pth`` files add, as ``site`` would: each line a
    path relative to ``site``; ``import`` lines (code) and comments skipped."""
    try:
        names = sorted(n for n in os.listdir(site) if n.endswith(".pth"))
    except OSError:
        return []
    folders = []
    for name in names:
        try:
            with open(os.path.join(site, name), encoding="utf-8", errors="replace") as handle:
                lines = handle.read(65536).splitlines()
        except OSError:
            continue
        for raw in lines:
            line = raw.rstrip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            folders.append(os.path.normpath(os.path.join(site, line)))
    return folders


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
