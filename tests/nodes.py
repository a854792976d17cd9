"""Processes for tests/test_two_nodes.py: web nodes (waitress, as `make run` serves), drains
(`flask search sync --follow`) and a visitor that signs in and posts forms over real HTTP
(urllib: cookies kept, redirects followed, CSRF tokens read from the pages)."""
import html
import http.cookiejar
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lines:
    """A process's output lines, read by a thread so that the pipe never fills up."""

    def __init__(self, process: subprocess.Popen):
        self.seen: list[str] = []

        def read():
            for line in process.stdout:
                self.seen.append(line.rstrip())
        threading.Thread(target=read, daemon=True).start()


def start(args: list[str], env: dict) -> tuple[subprocess.Popen, Lines]:
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return process, Lines(process)


def web_node(env: dict, port: int) -> tuple[subprocess.Popen, Lines]:
    """waitress, as `make run` serves: a production server (threads, no reloader)."""
    return start(["-m", "waitress", "--host", "127.0.0.1", f"--port={port}", "wsgi:app"], env)


def drain(env: dict, interval: float) -> tuple[subprocess.Popen, Lines]:
    return start(["-m", "flask", "--app", "wsgi.py", "search", "sync", "--follow",
                  "--interval", str(interval)], env)


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Visitor:
    """One browser-like session against one node: ``get`` and ``post`` return (final URL,
    page text); a POST carries the session's CSRF token as the page forms do."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def _open(self, path: str, data: bytes | None = None) -> tuple[str, str]:
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                return response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{path}: HTTP {error.code}\n{error.read().decode()[:2000]}")

    def get(self, path: str) -> tuple[str, str]:
        url, page = self._open(path)
        found = CSRF.search(page)
        if found:
            self.token = html.unescape(found.group(1))
        return url, page

    def post(self, path: str, fields: dict) -> tuple[str, str]:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token}, doseq=True)
        return self._open(path, body.encode())

    def sign_in(self, email: str, password: str) -> None:
        self.get("/login")
        _, page = self.post("/login", {"email": email, "password": password})
        assert "欢迎回来" in page, page[:3000]
        self.get("/")  # a token of the signed-in session

    def wait_until_up(self, timeout: float = 90.0) -> None:
        ends = time.monotonic() + timeout
        while True:
            try:
                self.get("/")
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > ends:
                    raise
                time.sleep(0.2)
