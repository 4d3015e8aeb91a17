"""The production stack in miniature for the fault drills (tests/test_faults.py): a Redis of its own
on a spare port (never the shared one on 6379), an SMTP server that keeps what it receives in a
Maildir, gunicorn with the production settings, the outbox relay, a Celery worker and, where a test
needs it, Celery beat, all as separate processes against the test database, each one stoppable,
killable and restartable. Plus a browser-like HTTP client that reads and submits the portal's forms."""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll ``condition`` until it returns something true; its value, or AssertionError at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 60) -> Service:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        if self.port is not None:
            wait_for(lambda: port_open(self.port) or self._died(), timeout=timeout, what=f"{self.name} to listen")
            if self._died():
                raise AssertionError(f"{self.name} exited at start:\n{self.tail()}")
        return self

    def _died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop the process group (gunicorn's and Celery's children too); SIGKILL after ``timeout``."""
        if not self.running:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.port is not None:
            wait_for(lambda: not port_open(self.port), timeout=10, what=f"{self.name} to close its port")

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug: no clean-up of any kind."""
        self.stop(sig=signal.SIGKILL, timeout=10)

    def tail(self, lines: int = 60) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    """The services of one drill. ``env`` is what every Django process of it reads."""

    directory: Path
    static_root: Path
    overrides: dict[str, str] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)

    def __post_init__(self):
        self.redis_port, self.smtp_port, self.web_port = free_port(), free_port(), free_port()
        self.maildir = self.directory / "maildir"
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wfs_portal.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "fault-drill-" + "k3y-" * 15,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_STATIC_ROOT": str(self.static_root),
            "DJANGO_MEDIA_ROOT": str(self.directory / "media"),
            "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "STAFF_MFA_REQUIRED": "false",
            "DJANGO_LOG_LEVEL": "INFO",
            # Quick reactions, so that a drill takes a minute, not an hour.
            "OUTBOX_OUTAGE_RETRY_SECONDS": "1",
            "MATCHING_DEBOUNCE_SECONDS": "1",
            "MATCHING_STALL_SECONDS": "8",
            "MATCHING_BLOCK_SIZE": "16",
            "REPORT_STALL_SECONDS": "8",
            "MATCHING_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            # gunicorn with the production configuration (gunicorn.conf.py), two workers.
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_TIMEOUT": "60",
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
            **self.overrides,
        }
        self.env.pop("PYTEST_XDIST_WORKER", None)
        python = str(BIN / "python")
        logs = self.directory / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        (self.directory / "redis").mkdir(exist_ok=True)
        mailbox.Maildir(self.maildir, create=True)

        def add(name: str, argv: list[str], port: int | None = None) -> None:
            self.services[name] = Service(name, argv, self.env, logs / f"{name}.log", port)

        # As in docker-compose.yml: Redis keeps its data in an append-only file, so a restart loses
        # nothing that was queued.
        add(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory / "redis"),
            ],
            self.redis_port,
        )  # fmt: skip
        add(
            "smtp",
            [python, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}", "-c", "aiosmtpd.handlers.Mailbox",
             str(self.maildir)],
            self.smtp_port,
        )  # fmt: skip
        add(
            "web",
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "wfs_portal.wsgi"],
            self.web_port,
        )  # fmt: skip
        add("relay", [python, "manage.py", "outbox_relay", "--idle", "1"])
        add(
            "worker",
            [str(BIN / "celery"), "--app", "wfs_portal", "worker", "--pool", "prefork", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        )  # fmt: skip
        add("beat", [str(BIN / "celery"), "--app", "wfs_portal", "beat", "--loglevel", "INFO", "--max-interval", "5"])

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    def start(self, *names: str) -> None:
        for name in names:
            self.services[name].start()

    def stop_all(self) -> None:
        for service in reversed(self.services.values()):
            service.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def mails(self) -> list:
        """What the SMTP server received (a stopped server keeps what it had)."""
        return list(mailbox.Maildir(self.maildir, create=False))

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{service.tail()}" for name, service in self.services.items())


def collect_static(directory: Path) -> None:
    """Production mode serves static files from the collected manifest (WhiteNoise)."""
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "collect-" + "x" * 50}
    env.update({"DJANGO_ALLOWED_HOSTS": "localhost", "DJANGO_STATIC_ROOT": str(directory)})
    subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


# --- a browser, as far as these drills need one ------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the values a browser would send as they are."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": [], "id": a.get("id", "")}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"].append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form":
            self._form = None


class Browser:
    """requests with cookies and CSRF, reading and submitting forms like a person's browser. The
    production settings mark cookies Secure; this drill talks plain HTTP on loopback, so the flag is
    dropped on arrival (a browser on http://localhost keeps sending them too)."""

    def __init__(self, base: str, *, language: str = "de"):
        self.base = base
        self.session = requests.Session()
        self.session.cookies.set("django_language", language, domain="127.0.0.1")
        self.responses: list[tuple[str, str, int]] = []

    def _record(self, method: str, url: str, response: requests.Response) -> requests.Response:
        for cookie in self.session.cookies:
            cookie.secure = False
        self.responses.append((method, url, response.status_code))
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        url = urljoin(self.base, path)
        return self._record("GET", url, self.session.get(url, timeout=30, allow_redirects=False, **kwargs))

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        url = urljoin(self.base, path)
        token = self.session.cookies.get("csrftoken", domain="127.0.0.1")
        headers = {"Referer": url, **({"X-CSRFToken": token} if token else {}), **kwargs.pop("headers", {})}
        response = self.session.post(url, data=data, headers=headers, timeout=30, allow_redirects=False, **kwargs)
        return self._record("POST", url, response)

    def submit(self, path: str, changes: dict | None = None, *, form: int = -1) -> requests.Response:
        """Open ``path``, fill the ``form``-th POST form (the last by default: the page's own, after the
        header's language switcher) with ``changes`` and send it."""
        page = self.get(path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        parser = _Forms()
        parser.feed(page.text)
        chosen = parser.forms[form]
        fields = [(name, value) for name, value in chosen["fields"] if name not in (changes or {})]
        for name, value in (changes or {}).items():
            if value is None:
                continue
            fields.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        return self.post(urljoin(page.url, chosen["action"]) if chosen["action"] else path, fields)

    def login_portal(self, email: str, password: str) -> requests.Response:
        return self.submit("/accounts/login/", {"login": email, "password": password})

    def login_admin(self, username: str, password: str) -> requests.Response:
        return self.submit("/admin/login/?next=/admin/", {"username": username, "password": password})

    def server_errors(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.responses if entry[2] >= 500]


def api(base: str, key: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key {key}"
    session.base = base
    return session


def message_ids(mails) -> list[str]:
    return [m["Message-ID"] for m in mails]


def recipients(mails) -> list[str]:
    return sorted(m["To"] for m in mails)


def subject(mail) -> str:
    """The subject as a person reads it (the header carries German umlauts encoded)."""
    return str(make_header(decode_header(mail["Subject"])))


PG = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
REDIS_SERVER = shutil.which("redis-server")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""
