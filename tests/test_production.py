"""The production install, exactly as README.md says it, on a copy of the checkout.

The steps come from the README itself: the block under "Install and upgrade" (every
`manage.py` line and `scripts/vendor_assets.sh`) and the systemd unit's `ExecStart`
(gunicorn). They run with `config.settings.production`, a random secret key, a scratch
SQLite database and a scratch JIFEN_VAR_DIR; this test plays nginx in front of gunicorn
on a loopback port: it sends `X-Forwarded-Proto: https` as the README's nginx does, so
the server runs with the same settings `check --deploy` approved (HTTPS redirect on).
A line added to the README's block that this test does not know makes it fail, so the
two cannot drift apart.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shlex
import shutil
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from scripts.serverkit import HOST, free_port, start_gunicorn, stop

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ADMIN_PASSWORD = "Prod-Test-" + secrets.token_urlsafe(12)

# README lines that set up the machine rather than the release: the test runs in the
# checkout's virtualenv and node_modules (linked into the copy) and supplies the
# environment file's variables itself.
MACHINE_STEPS = (
    "sudo useradd ",
    "cd /srv/jifen",
    "python3.11 -m venv .venv",
    ".venv/bin/pip install ",
    "set -a; . /etc/jifen/jifen.env; set +a",
)


def readme_block(heading: str, start: str = "```") -> list[str]:
    """The lines of the first code block after `heading`, comments and blank lines out."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    block = section[section.index(start) + len(start) :]
    block = block[block.index("\n") + 1 : block.index("```")]
    lines = []
    for raw in block.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            lines.append(line)
    return lines


def install_steps() -> list[str]:
    return readme_block("### Install and upgrade")


def gunicorn_options() -> list[str]:
    """The unit's ExecStart options after `config.wsgi`, bound to loopback by serverkit
    and with two workers instead of the README's five (a shared test machine)."""
    line = next(
        line
        for line in readme_block("systemd unit `/etc/systemd/system/jifen.service`")
        if line.startswith("ExecStart=")
    )
    words = shlex.split(line.removeprefix("ExecStart="))
    assert words[0] == "/srv/jifen/.venv/bin/gunicorn"
    assert words[1] == "config.wsgi"
    options, rest = [], iter(words[2:])
    for word in rest:
        if word == "--bind":
            next(rest)
        elif word == "--workers":
            next(rest)
            options += ["--workers", "2"]
        else:
            options.append(word)
    return options


def copy_release(target: Path) -> Path:
    """The checkout's files as a fresh clone has them (tracked, plus new files not yet
    committed), with the shared virtualenv and node_modules linked in."""
    target.mkdir()
    listed = subprocess.run(  # noqa: S603 - git, fixed arguments
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for shared in (".venv", "node_modules"):
        (target / shared).symlink_to((ROOT / shared).resolve())
    return target


def production_env(var: Path) -> dict[str, str]:
    """The environment file of the README's "Environment" table, for one loopback server."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_PROXY": "1",
        "DJANGO_SSL_REDIRECT": "1",
        "JIFEN_TRUSTED_PROXIES": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{var / 'jifen.sqlite3'}",
        "JIFEN_VAR_DIR": str(var),
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
    }


def run_step(line: str, release: Path, env: dict[str, str]) -> float:
    if line.startswith(".venv/bin/python manage.py "):
        command = shlex.split(line)
        if "createsuperuser" in command:
            command.append("--noinput")  # the password comes from DJANGO_SUPERUSER_PASSWORD
    elif line.endswith("&& bash scripts/vendor_assets.sh"):
        command = ["bash", "scripts/vendor_assets.sh"]  # npm ci: the linked node_modules
    else:
        raise AssertionError(f"README step this test does not know: {line!r}")
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - the README's own commands
        command, cwd=release, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    return time.monotonic() - started


class Nginx:
    """What the README's nginx sends gunicorn: the Host, the scheme, the client address;
    and a browser's cookie jar."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, str] | None = None,
        *,
        https: bool = True,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        sent = {"Host": "127.0.0.1", "X-Forwarded-For": "10.20.0.99", **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path: str, **kwargs) -> tuple[int, http.client.HTTPMessage, bytes]:
        return self.request("GET", path, **kwargs)

    def follow(self, location: str, hops: int = 5) -> tuple[int, str, bytes]:
        """GET `location` and the redirects after it; the last status, path and body."""
        for _hop in range(hops):
            path = urlsplit(location)._replace(scheme="", netloc="").geturl()
            status, headers, body = self.get(path)
            if status not in (301, 302, 303):
                return status, path, body
            location = headers["Location"]
        raise AssertionError(f"more than {hops} redirects from {location}")


@pytest.fixture
def production(tmp_path):
    """The release installed by the README's steps and served by gunicorn: (server, seconds
    per step)."""
    release = copy_release(tmp_path / "srv-jifen")
    var = tmp_path / "var"
    env = production_env(var)
    timings: dict[str, float] = {}
    steps = install_steps()
    assert "sudo systemctl restart jifen" in steps
    server = None
    log = (tmp_path / "gunicorn.log").open("w")
    try:
        for line in steps:
            if line.startswith(MACHINE_STEPS):
                continue
            if line == "sudo systemctl restart jifen":
                started = time.monotonic()
                server = start_gunicorn(
                    port := free_port(), env, gunicorn_options(), log, cwd=release
                )
                timings["gunicorn"] = time.monotonic() - started
                continue
            timings[line.split()[-1] if "manage.py" not in line else line.split()[2]] = run_step(
                line, release, env
            )
        assert server is not None
        yield Nginx(port), timings, var
    finally:
        if server is not None:
            stop(server)
        log.close()
    served = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in served, served[-3000:]


def test_the_readme_install_serves_the_site_in_chinese(production):
    nginx, timings, var = production
    print("README steps, seconds:", {k: round(v, 1) for k, v in timings.items()})
    assert (var / "staticfiles" / "staticfiles.json").exists()

    # Plain HTTP reaching the application is sent to HTTPS (nginx terminates TLS).
    status, headers, _ = nginx.get("/accounts/login/", https=False)
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/accounts/login/"

    status, headers, body = nginx.get("/accounts/login/")
    login = body.decode()
    assert status == 200, login[:2000]
    assert "登录" in login
    assert "用户名" in login
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]

    # Static files under hashed names, compressed, cached for good.
    css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', login)
    js = re.search(
        r'src="(/static/vendor/bootstrap/bootstrap\.bundle\.min\.[0-9a-f]{12}\.js)"', login
    )
    assert css, login[:2000]
    assert js, login[:2000]
    status, headers, _ = nginx.get(css[1], headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "gzip"
    status, _, script = nginx.get(js[1])
    source_map = re.search(
        rb"sourceMappingURL=(bootstrap\.bundle\.min\.js\.[0-9a-f]{12}\.map)", script
    )
    assert status == 200
    assert source_map, script[-200:]
    assert nginx.get(f"/static/vendor/bootstrap/{source_map[1].decode()}")[0] == 200

    status, _, body = nginx.get("/no-such-page/")
    assert status == 404
    missing = body.decode()
    assert "页面不存在" in missing
    assert "返回首页" in missing

    # The administrator made by createsuperuser signs in; two-factor set-up comes first.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login)
    assert token
    status, headers, _ = nginx.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token[1], "username": "admin", "password": ADMIN_PASSWORD},
        headers={"Referer": "https://127.0.0.1/accounts/login/"},
    )
    assert status == 302, "sign-in refused"
    status, path, body = nginx.follow(headers["Location"])
    assert status == 200, path
    assert path.startswith("/accounts/two-factor/"), path
    assert "设置双因素认证" in body.decode()
    assert "no-store" in headers_after(nginx, path)

    # Signed in, the static files stay cacheable (WhiteNoise answers before the middleware).
    status, headers, _ = nginx.get(css[1])
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert "no-store" not in headers["Cache-Control"]


def headers_after(nginx: Nginx, path: str) -> str:
    return nginx.get(path)[1]["Cache-Control"]
