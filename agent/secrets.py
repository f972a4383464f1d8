"""Secret values: which ones a session knows, and keeping them out of tool output.

A session collects the values it must never show the model when it starts: the
agent's own credentials, other credentials in its environment (the variables
``credential_names`` picks, also removed from the tools' environment), and the values
in the workspace's secret files (``.env``, keys … — ``agent.paths.secret_reason``).

``Redactor`` replaces them in any text, also when a command transformed them the ways
a shell pipeline cheaply can: any letter case, separators between the characters
(``od -c``, ``sed 's/./& /g'``), reversed (``rev``), ROT13 (``tr a-z n-za-m``),
hexadecimal (``xxd``, ``od -x`` byte pairs) and base64 at any alignment; and a piece of
a long secret (12 or more characters of it in a row) is redacted like the whole.
Matching runs on a normalised copy of the text (letters and digits only, lower case)
and maps each hit back to the span of the original text it came from.
``StreamRedactor`` does the same for output that arrives in chunks, holding back a
short tail so a secret split across two chunks is still caught.
"""

from __future__ import annotations

import base64
import codecs
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from agent.paths import secret_reason

log = logging.getLogger(__name__)

REDACTED = "[redacted]"
MIN_SECRET = 8  # shorter values (PORT=8000, DEBUG=true) are not worth hiding
WINDOW = 12  # a run of this many normalised characters of a secret is a leak
HOLD_BACK = 1024  # characters a stream keeps until it knows no secret spans them
MAX_SECRET_FILE = 256 * 1024
SKIP_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", ".bench-venv", "__pycache__", ".tox", ".nox",
     ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hg", ".svn", "site-packages"}
)  # fmt: skip
MAX_ENTRIES = 200_000  # directory entries looked at per walk (about 0.3 s)

# Environment variables that hold credentials: removed from the tools' environment and
# their values redacted. Matched on name parts (GIT_AUTHOR_NAME is not AUTH), except
# PASSWORD and PASSWD, also glued to a prefix (PGPASSWORD), and sshpass's SSHPASS.
_CREDENTIAL_PART = re.compile(
    r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|SECRETS|PASS|PWD|JWT|CREDENTIALS?"
    r"|AUTH|PRIVATE|SESSION|COOKIE|ACCESS_KEY_ID|DSN|CONNECTION_STRING)(?:_|$)"
    r"|PASSW(?:OR)?D(?:_|$)|^SSHPASS$",
    re.IGNORECASE,
)
# Removed too, but their values are paths, not secrets: nothing to redact.
_PATH_NAMES = frozenset(
    {"SSH_AUTH_SOCK", "GPG_AGENT_INFO", "GOOGLE_APPLICATION_CREDENTIALS", "KUBECONFIG",
     "DOCKER_CONFIG", "NETRC", "CDPATH", "GIT_ASKPASS", "SSH_ASKPASS"}
)  # fmt: skip
_NOT_CREDENTIALS = frozenset(
    {"PWD", "OLDPWD", "XDG_SESSION_TYPE", "XDG_SESSION_CLASS", "XDG_SESSION_ID",
     "XDG_SESSION_DESKTOP", "DESKTOP_SESSION"}
)  # fmt: skip


# Proxy settings keep working with a password in them (commands need them to reach the
# network); only the password is redacted.
_PROXY_NAME = re.compile(r"(?:https?|ftp|all|rsync)_proxy", re.IGNORECASE)
# The user-info part of a URL: postgres://app:PASSWORD@db/app, https://TOKEN@github.com.
# The password runs to the last "@" before the host, so an unencoded "@" stays in it.
_URL_USERINFO = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^\s/?#@:\"'`]*)(?::(?P<pw>[^\s/?#\"'`]*))?@"
)


def url_credentials(text: str) -> list[str]:
    """The passwords in the URLs in ``text`` (also percent-decoded), and a user part
    with no password when it looks like a token (20 or more characters, letters and
    digits: ``https://ghp_…@github.com``), not a login name."""
    from urllib.parse import unquote

    found: list[str] = []
    for match in _URL_USERINFO.finditer(text):
        password, user = match.group("pw"), match.group("user")
        if password:
            found.extend(dict.fromkeys((password, unquote(password))))
        elif len(user) >= 20 and any(c.isdigit() for c in user) and any(c.isalpha() for c in user):
            found.append(user)
    return found


def credential_names(env: Mapping[str, str]) -> list[str]:
    """The names in ``env`` that hold credentials (or, like CDPATH and askpass helpers,
    change what a command reaches): by name, or by a URL with a password or token in
    the value (``DATABASE_URL``), proxy settings apart."""
    return [
        name
        for name, value in env.items()
        if name not in _NOT_CREDENTIALS
        and (
            name in _PATH_NAMES
            or _CREDENTIAL_PART.search(name) is not None
            or (not _PROXY_NAME.fullmatch(name) and bool(url_credentials(value)))
        )
    ]


def scrub_environment(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """``env`` without its credentials, and the credential values it held (with the
    passwords of URLs, proxy settings' included)."""
    names = set(credential_names(env))
    values = [env[n] for n in names if n not in _PATH_NAMES]
    for value in env.values():
        values.extend(url_credentials(value))
    kept = [v for v in dict.fromkeys(values) if len(v) >= MIN_SECRET]
    return {k: v for k, v in env.items() if k not in names}, kept


@cache
def _candidate_pattern() -> re.Pattern[str]:
    """One regex that every secret file's name (or parent/name) matches: a cheap
    filter before ``secret_reason`` decides."""
    from fnmatch import translate

    from agent.paths import SECRET_NAME_PATTERNS, SECRET_PARENT_PATTERNS

    names = [translate(p) for p in (*SECRET_NAME_PATTERNS, ".npmrc", ".yarnrc", ".yarnrc.yml")]
    parents = [translate(p.split("/")[0]) for p in SECRET_PARENT_PATTERNS]
    return re.compile("|".join(f"(?:{p})" for p in [*names, *parents]))


def secret_files(roots: Iterable[Path], limit: int = MAX_ENTRIES) -> list[Path]:
    """The secret files under ``roots`` (not following symlinked directories, skipping
    dependency and cache folders), shallowest folders first. The walk stops after
    ``limit`` entries, saying so once: secret files it did not reach are neither
    masked in the sandbox nor redacted."""
    from collections import deque

    candidate = _candidate_pattern().match
    found: list[Path] = []
    seen = 0
    for root in roots:
        queue = deque([(str(root), False)])
        while queue and seen < limit:
            folder, in_candidate = queue.popleft()
            try:
                entries = os.scandir(folder)
            except OSError:
                continue
            with entries:
                for entry in entries:
                    seen += 1
                    name = entry.name
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if name not in SKIP_DIRS:
                                queue.append((entry.path, candidate(name.lower()) is not None))
                        elif (in_candidate or candidate(name.lower())) and secret_reason(
                            Path(entry.path)
                        ) is not None:
                            found.append(Path(entry.path))
                    except OSError:
                        continue
        if queue and str(root) not in _CUT_SHORT:
            _CUT_SHORT.add(str(root))
            log.warning(
                "the secret-file scan of %s stopped after %d entries: secret files in "
                "folders it did not reach are not masked or redacted",
                root,
                limit,
            )
    return found


_CUT_SHORT: set[str] = set()  # roots whose walk was cut short, said once each


_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+)?[\w.-]+\s*[=:]\s*(?P<q>["']?)(?P<v>.*?)(?P=q)\s*(?:\s#.*)?$"""
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"\s*:\s*"((?:[^"\\]|\\.)*)"')
# A commented-out assignment (an old key is often still live): NAME=value with no
# spaces in the value, or "name: value" when the name says credential; prose is not.
_COMMENTED = re.compile(
    r"""#+\s*(?:export\s+)?(?P<name>[A-Za-z_][\w.-]*)\s*(?P<op>[=:])\s*"""
    r"""(?P<q>["']?)(?P<v>[^\s"']+)(?P=q)\s*"""
)


def file_secrets(path: Path) -> list[str]:
    """The values a secret file holds: ``NAME=value`` / ``name: value`` lines, JSON string
    values, and the body lines of PEM blocks; short values are skipped."""
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_SECRET_FILE).decode("utf-8", "replace")
    except OSError:
        return []
    return text_secrets(text)


def text_secrets(text: str) -> list[str]:
    """The values in the text of a secret file (see ``file_secrets``)."""
    values: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        values.extend(url_credentials(line))
        if stripped.startswith("#"):
            commented = _COMMENTED.fullmatch(stripped)
            if commented and (
                commented.group("op") == "="
                or _CREDENTIAL_PART.search(re.sub(r"[.-]", "_", commented.group("name")))
            ):
                values.append(commented.group("v"))
            continue
        if not stripped:
            continue
        match = _ASSIGNMENT.match(line)
        if match and match.group("v"):
            values.append(match.group("v"))
            continue
        values.extend(m.group(1) for m in _JSON_STRING.finditer(line))
        if re.fullmatch(r"[A-Za-z0-9+/=]{16,}", stripped):  # key material (PEM body)
            values.append(stripped)
    return [v for v in values if len(v) >= MIN_SECRET]


def collect_secrets(roots: Iterable[Path], env: Mapping[str, str] | None = None) -> list[str]:
    """Every secret value a session starting in ``roots`` with ``env`` knows."""
    env = os.environ if env is None else env
    _, values = scrub_environment(env)
    roots = list(roots)
    for path in secret_files(roots):
        values.extend(file_secrets(path))
    for root in roots:
        values.extend(history_secrets(root))
        values.extend(config_secrets(root))
    return sorted(set(values))


def _git(root: Path) -> list[str]:
    """git in ``root`` with the fsmonitor hook and hooks off: the repository's config
    must not run anything here."""
    return ["git", "-C", str(root), "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"]


# git config keys whose values are credentials: github.token, hub.oauthtoken,
# sendemail.smtpPass, http.<url>.extraHeader ("Authorization: Bearer …": the last word).
_CONFIG_CREDENTIAL = re.compile(r"(?:token|pass|password|secret|extraheader)$", re.IGNORECASE)


def config_secrets(root: Path, timeout: float = 5.0) -> list[str]:
    """Credentials in the repository's git config (``git remote -v`` would print a
    remote's ``https://user:TOKEN@host``): URL passwords and tokens, and the values of
    keys named like credentials."""
    import subprocess

    if not (root / ".git").exists():
        return []
    try:
        listed = subprocess.run(
            [*_git(root), "config", "--list", "-z"], capture_output=True, timeout=timeout,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    values: list[str] = []
    for entry in listed.stdout.decode("utf-8", "replace").split("\0"):
        key, _, value = entry.partition("\n")
        values.extend(url_credentials(value))
        if _CONFIG_CREDENTIAL.search(key) and value.split():
            values.append(value.split()[-1])
    return [v for v in values if len(v) >= MIN_SECRET]


def history_secrets(root: Path, timeout: float = 5.0) -> list[str]:
    """Values that secret files tracked by git held in any commit (``git show
    HEAD~3:.env`` would print them). git runs with external diff, textconv and the
    fsmonitor hook off: the repository's config must not run anything here."""
    import subprocess

    if not (root / ".git").exists():
        return []
    git = _git(root)
    try:
        listed = subprocess.run(
            [*git, "ls-files", "-z"], capture_output=True, timeout=timeout, check=False
        )
        tracked = [
            name
            for name in listed.stdout.decode("utf-8", "replace").split("\0")
            if name and secret_reason(root / name) is not None
        ]
        if not tracked:
            return []
        log = subprocess.run(
            [*git, "log", "--all", "-p", "--no-ext-diff", "--no-textconv", "--format=", "--",
             *tracked],
            capture_output=True, timeout=timeout, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    lines = log.stdout[: 4 * MAX_SECRET_FILE].decode("utf-8", "replace").splitlines()
    body = [line[1:] for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    return text_secrets("\n".join(body))


def _normalise(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _variants(secret: str) -> Iterator[str]:
    """Normalised forms of ``secret`` as a shell pipeline may print it."""
    plain = _normalise(secret)
    yield plain
    yield plain[::-1]
    yield codecs.encode(plain, "rot13")
    raw = secret.encode("utf-8")
    yield raw.hex()
    for start in (0, 1):  # od -x: little-endian 16-bit words, at either alignment
        part = raw[start:]
        yield b"".join(part[i : i + 2][::-1] for i in range(0, len(part) - 1, 2)).hex()
    # base64 groups 3 bytes, base32 5: every alignment. Only the characters made of the
    # secret's bits alone (6 bits each for base64, 5 for base32) are kept: the next one
    # also holds bits of whatever follows the secret.
    for skip in range(5):
        part = raw[skip:]
        yield _normalise(base64.b32encode(part)[: len(part) * 8 // 5].decode("ascii"))
        if skip < 3:
            yield _normalise(base64.b64encode(part)[: len(part) * 8 // 6].decode("ascii"))


class Redactor:
    """Replaces known secret values (see the module docstring for the forms caught)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.exact: list[str] = []
        self.whole: set[str] = set()  # normalised secrets shorter than WINDOW
        self.windows: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if len(secret) < MIN_SECRET or secret in self.exact:
            return
        self.exact.append(secret)
        for variant in _variants(secret):
            if len(variant) >= WINDOW:
                self.windows.update(
                    variant[i : i + WINDOW] for i in range(len(variant) - WINDOW + 1)
                )
            elif len(variant) >= MIN_SECRET:
                self.whole.add(variant)

    def __bool__(self) -> bool:
        return bool(self.exact)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Merged, sorted (start, end) spans of ``text`` that show a secret."""
        found: list[tuple[int, int]] = []
        for secret in self.exact:
            start = text.find(secret)
            while start != -1:
                found.append((start, start + len(secret)))
                start = text.find(secret, start + 1)
        index = [i for i, c in enumerate(text) if c.isalnum()]
        norm = "".join(text[i] for i in index).lower()
        windows = self.windows
        for i in range(len(norm) - WINDOW + 1):
            if norm[i : i + WINDOW] in windows:
                found.append((index[i], index[i + WINDOW - 1] + 1))
        for secret in self.whole:
            start = norm.find(secret)
            while start != -1:
                found.append((index[start], index[start + len(secret) - 1] + 1))
                start = norm.find(secret, start + 1)
        found.sort()
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def __call__(self, text: str) -> str:
        if not self.exact:
            return text
        return _apply(text, self.spans(text))


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)


class StreamRedactor:
    """Redacts a stream chunk by chunk: ``feed`` returns what is safe to show now,
    ``flush`` the rest at the end."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.pending = ""

    def feed(self, text: str) -> str:
        if not self.redactor:
            return text
        self.pending += text
        cut = len(self.pending) - HOLD_BACK
        if cut <= 0:
            return ""
        spans = self.redactor.spans(self.pending)
        for start, end in spans:
            if start < cut < end:
                cut = start
        ready = [(s, e) for s, e in spans if e <= cut]
        out = _apply(self.pending[:cut], ready)
        self.pending = self.pending[cut:]
        return out

    def flush(self) -> str:
        text, self.pending = self.pending, ""
        return self.redactor(text)


def redact_content(content: Any, redact: Redactor) -> Any:
    """Tool output without known secret values (say a file that holds one was read)."""
    if isinstance(content, str):
        return redact(content)
    if isinstance(content, list):
        return [
            {**b, "text": redact(b["text"])} if isinstance(b.get("text"), str) else b
            for b in content
        ]
    return content
