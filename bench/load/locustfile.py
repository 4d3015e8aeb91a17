"""The users of the load test (bench/load.py starts locust with this file; see bench/README.md, "Load test").

Two kinds of users, in the share the runner sets (WFS_LOAD_PARTNER_WEIGHT against WFS_LOAD_COMPANY_WEIGHT):

- ``CompanyUser``: a representative of an organisation. Logs in once (the login form's CSRF token, then
  e-mail address and password), then browses the portal's pages and now and then applies for a place on
  one of the load test's open joint booths (the apply form read and sent with its CSRF and submission
  tokens). A second application of the organisation for the same booth is refused with a form error:
  that answer (200) is as much a success as the accepted one (302).
- ``PartnerClient``: a partner organisation's system reading the directory, page by page, with its key.

Every request is recorded (kind, page, status, time) and written as JSON lines to WFS_LOAD_SAMPLES when the
test stops; the runner computes the figures from them. Locust's own failure count marks what the runner
counts as an error (5xx, no answer) and what was merely unexpected (a refused login, a 4xx)."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy

import gevent
from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, between, events, task

SETUP = json.loads(os.environ["WFS_LOAD_SETUP"])
SAMPLES_PATH = os.environ["WFS_LOAD_SAMPLES"]
WAIT_MIN, WAIT_MAX = (float(part) for part in os.environ.get("WFS_LOAD_WAIT", "1-5").split("-"))
PORTAL_PAGES = ("/portal/", "/portal/fairs/", "/portal/matches/", "/portal/profiles/")
PORTAL_PAGES += ("/portal/delegations/", "/portal/workshops/")
# Behind the TLS proxy of production: the request counts as HTTPS, so the CSRF check compares the Origin.
FORWARDED = {"X-Forwarded-Proto": "https"}
ERROR_CLASS = re.compile(r'class="errorlist')

_accounts = itertools.count()
_samples: list[dict] = []
# Company users connect from addresses of their own (127.0.<n>.<m>: the whole 127.0.0.0/8 is this machine), as
# people at different places do: the portal limits logins per client address (allauth's "login" 30/m/ip).
# WFS_LOAD_ONE_ADDRESS=1 sends everybody from 127.0.0.1 instead.
ONE_ADDRESS = os.environ.get("WFS_LOAD_ONE_ADDRESS") == "1"
_source_addresses: dict = {}
_create_tcp_socket = ConnectionPool._create_tcp_socket


def _bound_tcp_socket(self, family, socktype, protocol):
    sock = _create_tcp_socket(self, family, socktype, protocol)
    address = _source_addresses.get(gevent.getcurrent())
    if address:
        sock.bind((address, 0))
    return sock


ConnectionPool._create_tcp_socket = _bound_tcp_socket


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, context=None, exception=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    _samples.append(
        {
            "t": kw.get("start_time"),
            "kind": name,
            "method": request_type,
            "page": (context or {}).get("page", ""),
            "outcome": (context or {}).get("outcome", ""),
            "status": status,
            "ms": response_time,
            "failure": str(exception) if exception else "",
        }
    )


@events.test_stop.add_listener
def _write_samples(**kwargs):
    with open(SAMPLES_PATH, "w", encoding="utf-8") as file:
        for sample in _samples:
            file.write(json.dumps(sample) + "\n")


class FormReader(HTMLParser):
    """The fields of the first form with method POST that has a field ``wanted`` (or of any POST form),
    as the browser would send them: inputs with their value (checkboxes only when checked), textareas,
    the selected option of a select."""

    def __init__(self, wanted: str = ""):
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._form = {"fields": {}, "checkboxes": set(), "required": set(), "action": attributes.get("action")}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind == "checkbox":
                self._form["checkboxes"].add(name)
                if "checked" in attributes:
                    self._form["fields"][name] = attributes.get("value") or "on"
            elif kind not in ("submit", "button", "file"):
                self._form["fields"][name] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"][name] = ""
        elif tag == "select" and name:
            self._select = name
            self._form["fields"].setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attributes:
            self._form["fields"][self._select] = attributes.get("value") or ""
        if name and "required" in attributes:
            self._form["required"].add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def form(self) -> dict | None:
        for form in self.forms:
            if not self.wanted or self.wanted in form["fields"] or self.wanted in form["checkboxes"]:
                return form
        return None


def read_form(html: str, wanted: str = "") -> dict | None:
    reader = FormReader(wanted)
    reader.feed(html)
    return reader.form()


class BehindTlsProxy(DefaultCookiePolicy):
    """The portal's cookies are Secure (production runs behind a TLS proxy). The load test speaks plain HTTP to
    gunicorn and says ``X-Forwarded-Proto: https`` as that proxy does, so its cookies go back over HTTP."""

    def return_ok_secure(self, cookie, request):
        return True


def judge(response, *, expected: tuple[int, ...]) -> bool:
    """Mark the request: 5xx and no answer are errors, any other unexpected status a failure of its own."""
    status = response.status_code or 0
    if status == 0 or status >= 500:
        response.failure(f"error: HTTP {status}" if status else f"error: no answer ({response.error})")
        return False
    if status not in expected:
        response.failure(f"unexpected: HTTP {status}")
        return False
    response.success()
    return True


class LoadTestUser(FastHttpUser):
    """What both kinds of user share: the pause between requests the runner sets, and the timeouts."""

    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)
    network_timeout = 60.0
    connection_timeout = 10.0


class CompanyUser(LoadTestUser):
    weight = int(os.environ.get("WFS_LOAD_COMPANY_WEIGHT", "4"))

    def on_start(self):
        number = next(_accounts)
        account = SETUP["accounts"][number % len(SETUP["accounts"])]
        if not ONE_ADDRESS:
            # Each user runs in a greenlet of its own; its connections are opened from it.
            _source_addresses[gevent.getcurrent()] = f"127.0.{1 + number // 250}.{1 + number % 250}"
        self.email, self.password = account["email"], account["password"]
        self.origin = {"Origin": self.host.replace("http://", "https://"), **FORWARDED}
        self.client.cookiejar.set_policy(BehindTlsProxy())
        self.logged_in = False
        self.login()

    def login(self) -> None:
        with self.client.get(
            "/accounts/login/", name="login form", headers=FORWARDED, catch_response=True, context={"page": "login"}
        ) as response:
            if not judge(response, expected=(200,)):
                return
            form = read_form(response.text, "login")
            if form is None:
                response.failure("unexpected: no login form")
                return
        data = {**form["fields"], "login": self.email, "password": self.password}
        with self.post_form("/accounts/login/", name="login", data=data, page="login") as response:
            if judge(response, expected=(302,)):
                if "/accounts/" in response.headers.get("Location", ""):
                    response.failure(f"unexpected: login led to {response.headers.get('Location')}")
                else:
                    self.logged_in = True
            elif response.status_code == 200:
                response.failure("unexpected: login refused (form error)")

    def post_form(self, path: str, *, name: str, data: dict, page: str):
        """Send a portal form as a browser behind the TLS proxy does (with its Origin), without following
        the redirect; the caller judges the answer."""
        return self.client.post(
            path,
            name=name,
            data=data,
            headers=self.origin,
            allow_redirects=False,
            catch_response=True,
            context={"page": page},
        )

    def csrf_cookie(self) -> str:
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken"), "")

    @task(12)
    def browse(self):
        if not self.logged_in:
            return self.login()
        page = random.choice(PORTAL_PAGES)
        with self.client.get(
            page, name="portal page", headers=FORWARDED, catch_response=True, context={"page": page}
        ) as response:
            if judge(response, expected=(200,)) and "/accounts/login/" in (response.url or ""):
                response.failure("unexpected: sent to the login page")
                self.logged_in = False

    @task(1)
    def apply_for_booth(self):
        if not self.logged_in:
            return self.login()
        booth = random.choice(SETUP["booths"])
        path = f"/portal/fairs/booths/{booth}/apply/"
        with self.client.get(
            path, name="booth apply form", headers=FORWARDED, catch_response=True, context={"page": "booth apply"}
        ) as response:
            if not judge(response, expected=(200,)):
                return
            form = read_form(response.text, "requested_area_m2")
            # The organisation applied already: the page shows its registration instead of the form; a
            # second tab or a double click still sends one, which the service refuses (a form error).
            fields = form["fields"] if form else {"csrfmiddlewaretoken": self.csrf_cookie()}
        data = {
            **fields,
            "requested_area_m2": random.choice(("9", "12", "15.5", "20")),
            "with_stand_construction": "on",
            "products": "Sensoren und Prüfstände für die Medizintechnik",
            "de_minimis_declared": "on",
            "no_double_funding_declared": "on",
        }
        with self.post_form(path, name="booth application", data=data, page="booth apply") as response:
            if judge(response, expected=(200, 302)):
                # The request event is fired when the block ends, with this context.
                context = response.request_meta["context"]
                if response.status_code == 302:
                    context["outcome"] = "accepted"
                elif ERROR_CLASS.search(response.text or ""):
                    context["outcome"] = "refused"
                else:
                    response.failure("unexpected: 200 without a form error")


class PartnerClient(LoadTestUser):
    weight = int(os.environ.get("WFS_LOAD_PARTNER_WEIGHT", "1"))

    def on_start(self):
        self.headers = {"Authorization": f"Api-Key {SETUP['api_key']}", "Accept": "application/json", **FORWARDED}

    @task
    def organisation_list(self):
        page = random.randint(1, SETUP["api_pages"])
        with self.client.get(
            f"/api/v1/organisations/?page={page}&page_size=50",
            name="API list",
            headers=self.headers,
            catch_response=True,
            context={"page": "organisations"},
        ) as response:
            judge(response, expected=(200,))
