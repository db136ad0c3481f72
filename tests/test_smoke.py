"""Boot the embedded default (no environment: SQLite, eager tasks) as `make run` does, and
use it over HTTP like a browser: health check, unknown host, sign-in as staff and partner."""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-2026"

pytestmark = pytest.mark.slow


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # let the test see the 302 itself


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The embedded default: nothing but a private SQLite file and media folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    }
    env.update(
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 — our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


class Browser:
    """urllib with a cookie jar, talking to 127.0.0.1 with a chosen Host header."""

    def __init__(self, port: int, host: str):
        self.base = f"http://127.0.0.1:{port}"
        self.host = host
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 — always http://127.0.0.1
            self.base + path, data=body, headers={"Host": self.host}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def sign_in(self, email: str) -> None:
        status, _, page = self.request("/accounts/login/")
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token in the sign-in form"
        status, headers, page = self.request(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token.group(1), "login": email, "password": PASSWORD},
        )
        assert status == 302, f"sign-in as {email} failed ({status}): {page[:1000]}"
        assert headers["Location"] == "/"


def wait_until_up(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within {timeout}s:\n{log.read_text()}")


def test_embedded_default_boots_and_serves_the_demo(tmp_path):
    env = clean_env(tmp_path)
    manage(env, "migrate", "--no-input")
    seeded = manage(env, "seed_demo")
    assert seeded.stdout.splitlines()[-1] == "http://acme.localhost:8000/"

    # The command contract over a real process: the token is the last line; errors go to
    # stderr with a non-zero exit.
    token = manage(env, "create_api_token", "--tenant", "acme", "--email", "admin@acme.example")
    assert token.stdout.splitlines()[-1].startswith("eco_")
    refused = manage(env, "create_api_token", "--tenant", "nope", "--email", "a@b.c", check=False)
    assert refused.returncode != 0
    assert "No tenant" in refused.stderr
    assert refused.stdout == ""

    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(port, server, log)
        host = f"acme.localhost:{port}"

        status, _, body = Browser(port, host).request("/healthz")
        assert status == 200
        assert json.loads(body)["status"] == "ok"

        status, _, _ = Browser(port, f"nope.localhost:{port}").request("/")
        assert status == 404

        status, headers, _ = Browser(port, host).request("/")
        assert status == 302
        assert headers["Location"].startswith("/accounts/login/")

        staff = Browser(port, host)
        staff.sign_in("admin@acme.example")
        status, _, page = staff.request("/")
        assert status == 200
        assert "Partners by type" in page
        assert "Acme Cloud" in page

        partner = Browser(port, host)
        partner.sign_in("partner@northwind.example")
        status, _, page = partner.request("/")
        assert status == 200
        assert "Northwind Systems" in page
        assert "Partners by type" not in page
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
