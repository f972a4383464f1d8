"""The servers the bench compares, and the separate venv the peers are installed into.

claude-lsp runs from the interpreter running the bench (its venv's ``claude-lsp``
script). The peers live in ``.bench-venv/`` at the repository root, created on first
use from the ``bench`` extra of pyproject.toml, so they never mix with the project's
own dependencies. basedpyright and ruff are optional: measured when installed (in the
peers venv, next to this interpreter or on PATH), skipped otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VENV = REPO / ".bench-venv"

CLAUDE = "claude-lsp"
JEDI = "jedi-language-server"
PYLSP = "pylsp"
BASEDPYRIGHT = "basedpyright"
RUFF = "ruff"

REQUIRED_PEERS = (JEDI, PYLSP)
OPTIONAL_PEERS = (BASEDPYRIGHT, RUFF)
ALL_SERVERS = (CLAUDE, *REQUIRED_PEERS, *OPTIONAL_PEERS)

# Used when pyproject.toml cannot be read (the bench run from an sdist, say).
FALLBACK_PEER_PACKAGES = [
    "python-lsp-server[pyflakes,pycodestyle,mccabe]",
    "pylsp-rope",
    "jedi-language-server",
]
OPTIONAL_PEER_PACKAGES = ["basedpyright", "ruff"]


@dataclass(frozen=True)
class Server:
    name: str
    argv: list[str]
    init_options: object = None
    notes: list[str] = field(default_factory=list)


def peer_packages() -> list[str]:
    """The ``bench`` optional dependencies from pyproject.toml."""
    try:
        data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
        packages = data["project"]["optional-dependencies"]["bench"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return list(FALLBACK_PEER_PACKAGES)
    return [str(p) for p in packages]


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin")


def peers_installed(venv: Path) -> bool:
    return all((_bin(venv) / name).exists() for name in (JEDI, PYLSP))


def ensure_peers_venv(venv: Path, install_optional: bool) -> None:
    """Create ``venv`` with the peers unless it already has them. Progress goes to stderr."""
    missing_optional = [
        p
        for p, exe in zip(OPTIONAL_PEER_PACKAGES, ("basedpyright-langserver", "ruff"), strict=True)
        if not (_bin(venv) / exe).exists()
    ]
    if peers_installed(venv) and not (install_optional and missing_optional):
        return
    python = _bin(venv) / "python"
    if not python.exists():
        print(f"bench: creating the peers venv {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not peers_installed(venv):
        packages = peer_packages()
        print(f"bench: installing {' '.join(packages)}", file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *packages],
            check=True,
            stdout=sys.stderr,
        )
    if install_optional and missing_optional:
        print(f"bench: installing optional peers {' '.join(missing_optional)}", file=sys.stderr)
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *missing_optional],
            check=False,
            stdout=sys.stderr,
        )
        if result.returncode != 0:
            print("bench: optional peers not installed; skipping them", file=sys.stderr)


def _find(executable: str, venv: Path) -> Path | None:
    for folder in (_bin(venv), Path(sys.executable).parent):
        candidate = folder / executable
        if candidate.exists():
            return candidate
    found = shutil.which(executable)
    return Path(found) if found else None


def claude_server() -> Server:
    script = Path(sys.executable).parent / "claude-lsp"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "server"]
    return Server(CLAUDE, argv)


def find_server(name: str, venv: Path) -> Server | None:
    """The server called ``name`` if its executable is installed, else None."""
    if name == CLAUDE:
        return claude_server()
    if name in (JEDI, PYLSP):
        exe = _bin(venv) / name
        return Server(name, [str(exe)]) if exe.exists() else None
    if name == BASEDPYRIGHT:
        exe = _find("basedpyright-langserver", venv)
        return Server(name, [str(exe), "--stdio"]) if exe else None
    if name == RUFF:
        exe = _find("ruff", venv)
        return Server(name, [str(exe), "server"]) if exe else None
    raise ValueError(f"unknown server {name!r}; known: {', '.join(ALL_SERVERS)}")
