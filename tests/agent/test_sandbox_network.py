"""``sandbox.network.allowedDomains`` with a list of domains: sandboxed commands reach
those hosts through the domain proxy and nothing else (bubblewrap required)."""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.netproxy import allowed
from agent.permissions import Permissions
from agent.sandbox import Sandbox, SandboxSettings, _relay_python, load_sandbox_settings
from agent.settings import Settings
from agent.tools import BashTool
from agent.types import ToolContext
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.tools_helpers import call, make_ctx, text_of


class Origin:
    """An HTTP server on the host's loopback that records who asked for what."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.hosts: list[list[str]] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.paths.append(self.path)
                origin.hosts.append(self.headers.get_all("Host") or [])
                body = f"hello from {self.path}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    root.mkdir()
    return root


@pytest.fixture
def box(ws: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxSettings(allowed_domains=("localhost", "*.test.invalid")), [ws])
    assert sandbox.active, f"{sandbox.reason}: install bubblewrap (.ci/run does)"
    assert sandbox.filtering
    yield sandbox
    sandbox.close()


def python(code: str) -> str:
    relay = _relay_python()
    assert relay is not None
    return f"{relay.executable} -I -c {shlex.quote(code)}"


FETCH = """
import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
except Exception as exc:
    print("failed:", exc, getattr(exc, "read", lambda: b"")().decode())
"""


async def fetch(box: Sandbox, ctx: ToolContext, url: str) -> str:
    return text_of(await call(BashTool(box), ctx, command=f"{python(FETCH)} {url}"))


async def test_listed_hosts_are_reached_through_the_proxy_others_are_refused(
    box: Sandbox, ws: Path, origin: Origin
) -> None:
    ctx = make_ctx(ws)
    assert await fetch(box, ctx, f"http://localhost:{origin.port}/a?b=1") == "hello from /a?b=1"
    refused = await fetch(box, ctx, f"http://127.0.0.1:{origin.port}/secret")
    assert "403" in refused and "network access to 127.0.0.1 is not allowed" in refused
    assert origin.paths == ["/a?b=1"]  # the refused request never reached the server
    assert origin.hosts == [[f"localhost:{origin.port}"]]
    assert refused.endswith(
        "The sandbox refused network access to 127.0.0.1 (not in sandbox.network.allowedDomains)."
    )
    assert box.refused_hosts() == ["127.0.0.1"]
    assert "network only to localhost" in box.describe()


async def test_without_the_proxy_there_is_no_network(
    box: Sandbox, ws: Path, origin: Origin
) -> None:
    direct = """
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
    print("connected")
except OSError as exc:
    print("no network:", type(exc).__name__)
"""
    out = text_of(
        await call(BashTool(box), make_ctx(ws), command=f"{python(direct)} {origin.port}")
    )
    assert out.startswith("no network"), out
    assert origin.paths == []


async def test_connect_tunnels_only_to_listed_hosts(box: Sandbox, ws: Path, origin: Origin) -> None:
    tunnel = """
import os, socket, sys
port = int(os.environ["HTTPS_PROXY"].rsplit(":", 1)[1])
for host in ("localhost", "example.com", "a.test.invalid"):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("CONNECT %s:%s HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" % (host, sys.argv[1])).encode())
    answer = s.recv(4096).decode()
    print(host, answer.split("\\r\\n")[0])
    if answer.startswith("HTTP/1.1 200"):
        s.sendall(b"GET /tunnelled HTTP/1.0\\r\\n\\r\\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
        print(data.decode().rsplit("\\r\\n", 1)[-1])
"""
    out = text_of(
        await call(BashTool(box), make_ctx(ws), command=f"{python(tunnel)} {origin.port}")
    )
    lines = out.splitlines()
    assert lines[0] == "localhost HTTP/1.1 200 Connection established"
    assert lines[1] == "hello from /tunnelled"
    assert lines[2] == "example.com HTTP/1.1 403 Forbidden"
    # a listed subdomain pattern: allowed, but the name does not resolve
    assert lines[3] == "a.test.invalid HTTP/1.1 502 Bad Gateway"
    assert origin.paths == ["/tunnelled"]


def test_domain_patterns() -> None:
    patterns = ["github.com", "*.npmjs.org"]
    assert allowed("github.com", patterns) and allowed("GitHub.com.", patterns)
    assert not allowed("api.github.com", patterns)  # a plain name is that host only
    assert allowed("registry.npmjs.org", patterns) and allowed("a.b.npmjs.org", patterns)
    assert not allowed("npmjs.org", patterns)  # *. means subdomains, as in Claude Code
    assert not allowed("evilnpmjs.org", patterns) and not allowed("npmjs.org.evil", patterns)
    assert not allowed("", patterns) and allowed("anything", ["*"])
    assert allowed("[::1]", ["::1"])


def test_settings_list_of_domains(tmp_path: Path) -> None:
    project = tmp_path / "settings.json"
    project.write_text(
        json.dumps(
            {"sandbox": {"network": {"allowedDomains": ["pypi.org", " *.pythonhosted.org"]}}}
        )
    )
    settings = load_sandbox_settings([project])
    assert not settings.network and not settings.warnings
    assert settings.allowed_domains == ("pypi.org", "*.pythonhosted.org")
    project.write_text(json.dumps({"sandbox": {"network": {"allowedDomains": ["pypi.org", "*"]}}}))
    everything = load_sandbox_settings([project])
    assert everything.network and everything.allowed_domains == ()


async def test_a_plain_request_cannot_name_another_host_to_the_server(
    box: Sandbox, ws: Path, origin: Origin
) -> None:
    """Host says which site a shared server serves: it must be the allowed one."""
    fronting = """
import os, socket, sys
port = int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
head = "GET http://localhost:%s/x HTTP/1.1\\r\\nHost: evil.example\\r\\n\\r\\n"
s.sendall((head % sys.argv[1]).encode())
print(s.recv(4096).decode().split("\\r\\n")[0])
"""
    out = text_of(
        await call(BashTool(box), make_ctx(ws), command=f"{python(fronting)} {origin.port}")
    )
    assert out == "HTTP/1.0 200 OK"
    assert origin.hosts == [[f"localhost:{origin.port}"]]


async def test_smuggled_headers_and_a_removed_socket_change_nothing(
    box: Sandbox, ws: Path, origin: Origin
) -> None:
    """A bare LF would let a command hide its own Host header inside another line, and
    the proxy's socket is the network of every later command of the session."""
    smuggle = """
import os, socket, sys
port = int(os.environ["HTTP_PROXY"].rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
head = "GET http://localhost:%s/x HTTP/1.1\\nHost: evil.example\\nX: y\\r\\n\\r\\n"
s.sendall((head % sys.argv[1]).encode())
print(s.recv(4096).decode().split("\\r\\n")[0])
"""
    ctx = make_ctx(ws)
    out = text_of(await call(BashTool(box), ctx, command=f"{python(smuggle)} {origin.port}"))
    assert out == "HTTP/1.1 400 Bad Request" and origin.paths == []
    removed = text_of(await call(BashTool(box), ctx, command="rm -f /.claude-lsp-net/*; echo"))
    assert "Read-only file system" in removed
    assert await fetch(box, ctx, f"http://localhost:{origin.port}/still") == "hello from /still"


async def test_a_network_command_asks_and_gets_the_network_once_allowed(
    origin: Origin, ws: Path
) -> None:
    # No allowedDomains: the network is off; a command whose job is the network asks
    # first instead of failing offline, and runs with the network when allowed.
    offline = Sandbox(SandboxSettings(), [ws])
    assert offline.active and offline.network_off()
    tool, ctx = BashTool(offline), make_ctx(ws)
    policy = Permissions("default", Settings(), [ws], sandbox=offline)
    command = f"curl -s http://127.0.0.1:{origin.port}/granted"
    try:
        decision, reason = policy.decide(tool, {"command": command})
        assert decision == "ask"
        assert reason.startswith("`curl -s http://127.0.0.1:") and "keeps off" in reason
        assert policy.decide(tool, {"command": "make"}) == ("allow", "runs in the sandbox")
        ruled = Permissions("default", Settings(allow=["Bash(curl:*)"]), [ws], sandbox=offline)
        assert ruled.decide(tool, {"command": command})[0] == "ask"  # a rule is not network
        policy.allowed_once(tool, {"command": command})  # the user's "Allow once"
        assert text_of(await call(tool, ctx, command=command)) == "hello from /granted"
        # once: the next run asks again, and run anyway it has no network
        assert policy.decide(tool, {"command": command})[0] == "ask"
        assert "Exit code 7" in text_of(await call(tool, ctx, command=command))
        assert origin.paths == ["/granted"]
        policy.remember(tool, {"command": command})  # "Always allow": this session
        assert policy.decide(tool, {"command": command})[0] == "allow"
        for _ in range(2):
            assert text_of(await call(tool, ctx, command=command)) == "hello from /granted"
        assert origin.paths == ["/granted"] * 3
        plan = Permissions("plan", Settings(), [ws], sandbox=Sandbox(SandboxSettings(), [ws]))
        assert plan.decide(tool, {"command": command})[0] == "allow"  # offline, read-only
    finally:
        offline.close()


async def test_the_question_says_network_and_allow_once_opens_it_for_that_call(
    origin: Origin, ws: Path, fake: FakeAnthropic, client: Any
) -> None:
    from tests.agent.conftest import Port
    from tests.agent.test_loop import make_agent

    offline = Sandbox(SandboxSettings(), [ws])
    command = f"curl -s http://127.0.0.1:{origin.port}/via-the-loop"
    fake.script(Reply([ToolUse("Bash", {"command": command})]), Reply([Text("Fetched.")]))
    port = Port(ws, answers=["allowOnce"])
    policy = Permissions("default", Settings(), [ws], sandbox=offline)
    try:
        result = await make_agent(client, port, [BashTool(offline)], policy=policy).run("get")
    finally:
        offline.close()
    [asked] = port.asked
    assert asked.summary.endswith("(with network access)")
    [sent] = [b for b in fake.messages_requests[1]["messages"][-1]["content"]]
    assert sent["content"] == "hello from /via-the-loop" and not sent.get("is_error")
    assert result.text == "Fetched." and origin.paths == ["/via-the-loop"]
    assert not offline.network_granted(command)  # used up
