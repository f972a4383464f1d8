"""Network by domain for sandboxed commands (``sandbox.network.allowedDomains``), the way
Claude Code's sandbox runtime does it: the command has no network of its own (a new
network namespace), only a proxy.

- Outside the sandbox, ``DomainProxy`` listens on a Unix socket in a private folder and
  speaks HTTP proxy: ``CONNECT host:port`` (HTTPS, and anything else tunnelled) and
  plain ``http://`` requests in absolute form. A host that no pattern allows gets
  ``403`` and nothing is connected; the proxy resolves and connects itself.
- Inside, ``RELAY`` (run by the sandbox's Python before the command) listens on
  ``127.0.0.1`` in the sandbox's own loopback, forwards each connection to that socket,
  and starts the command with ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` pointing at it.

Tools that honour the proxy variables (curl, wget, pip, uv, npm, git over HTTPS,
Python's urllib and requests) reach the allowed domains; everything else (ssh, raw
sockets, a program that ignores the variables) has no network at all.

Patterns: ``example.com`` allows that host only, ``*.example.com`` its subdomains
(not the domain itself, as in Claude Code), ``*`` everything (then the sandbox simply
keeps the network on and no proxy runs).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import socketserver
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

HEAD_LIMIT = 64 * 1024
HEAD_TIMEOUT = 30.0  # seconds for a client to send its request head
CONNECT_TIMEOUT = 10.0
SOCKET_NAME = "proxy.sock"


def allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether ``host`` matches one of the ``allowedDomains`` patterns."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        return False
    for raw in patterns:
        pattern = raw.strip().lower().rstrip(".")
        if pattern == "*":
            return True
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


class DomainProxy:
    """The proxy of one sandbox: started on first use, stopped by ``close``."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self.denied: list[str] = []  # hosts refused, newest last (for the user's note)
        self.folder = Path(tempfile.mkdtemp(prefix="claude-lsp-net-"))
        os.chmod(self.folder, 0o700)
        self.path = self.folder / SOCKET_NAME
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        self._server = Server(str(self.path), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sandbox-proxy", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _handle(self, client: socket.socket) -> None:
        try:
            client.settimeout(HEAD_TIMEOUT)
            head, rest = _read_head(client)
            client.settimeout(None)
            if b"\n" in head.replace(b"\r\n", b"") or b"\r" in head.replace(b"\r\n", b""):
                raise ValueError("a bare CR or LF in the request head")  # header smuggling
            request_line, _, headers = head.partition(b"\r\n")
            method, target, version = request_line.decode("latin-1").split(" ", 2)
            if version not in ("HTTP/1.0", "HTTP/1.1") or not method.isalpha():
                raise ValueError(f"not an HTTP/1 request line: {request_line[:80]!r}")
            if method.upper() == "CONNECT":
                host, port = _host_port(target, 443)
            else:
                url = urlsplit(target)
                if url.scheme != "http" or not url.hostname:
                    _refuse(client, 400, "the proxy takes http:// URLs and CONNECT only")
                    return
                host, port = url.hostname, url.port or 80
            if not allowed(host, self.patterns):
                self.denied.append(host)
                log.info("sandbox: network access to %s refused", host)
                _refuse(
                    client,
                    403,
                    f"claude-lsp sandbox: network access to {host} is not allowed "
                    "(sandbox.network.allowedDomains)",
                )
                return
            try:
                upstream = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
            except OSError as exc:
                _refuse(client, 502, f"cannot connect to {host}:{port}: {exc}")
                return
            upstream.settimeout(None)
            with upstream:
                if method.upper() == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                else:
                    path = url.path or "/"
                    if url.query:
                        path += "?" + url.query
                    line = f"{method} {path} {version}".encode("latin-1")
                    host_header = url.netloc.rpartition("@")[2].encode("latin-1")
                    head = _origin_headers(headers, host_header)
                    upstream.sendall(line + b"\r\n" + head + b"\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                _relay(client, upstream)
        except ValueError as exc:
            log.debug("sandbox proxy: %s", exc)
            with contextlib.suppress(OSError):
                _refuse(client, 400, "malformed proxy request")
        except OSError as exc:
            log.debug("sandbox proxy: %s", exc)


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > HEAD_LIMIT:
            raise ValueError("incomplete request head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _host_port(target: str, default: int) -> tuple[str, int]:
    url = urlsplit("//" + target)
    if not url.hostname:
        raise ValueError(f"no host in {target!r}")
    return url.hostname, url.port or default


DROPPED = (b"host", b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive")


def _origin_headers(headers: bytes, host: bytes) -> bytes:
    """The request's headers for the origin server: ``Host`` is the allowed host the
    proxy connected to (never another name a shared server would route by), no proxy
    headers, one request per connection (the next one may be for another host)."""
    kept = [
        line
        for line in headers.split(b"\r\n")
        if line and line.split(b":", 1)[0].strip().lower() not in DROPPED
    ]
    return b"\r\n".join([b"Host: " + host, *kept, b"Connection: close"])


def _refuse(conn: socket.socket, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = (message + "\n").encode()
    conn.sendall(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until both sides are done."""

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=pump, args=(b, a), daemon=True)
    other.start()
    pump(a, b)
    other.join()


# Run inside the sandbox by its Python with -I -S: argv = [socket path, command...].
RELAY = r"""
import os, signal, socket, subprocess, sys, threading
path, argv = sys.argv[1], sys.argv[2:]
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
def serve():
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX)
        try:
            upstream.connect(path)
        except OSError:
            client.close()
            continue
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
threading.Thread(target=serve, daemon=True).start()
url = "http://127.0.0.1:%d" % listener.getsockname()[1]
env = dict(os.environ)
for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
    env[name] = env[name.lower()] = url
env["NO_PROXY"] = env["no_proxy"] = ""
child = subprocess.Popen(argv, env=env)
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(number, lambda n, frame: child.send_signal(n))
code = child.wait()
sys.exit(code if code >= 0 else 128 - code)
"""
