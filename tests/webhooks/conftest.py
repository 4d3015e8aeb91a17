"""A real HTTP receiver in the test process (http.server in a thread on 127.0.0.1) that answers
with the status codes a test scripts and records every request it gets."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.api import key_client
from webhooks.services.endpoints import webhook_endpoint_create


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # status codes to answer, in order; then 200
    requests: list[Received] = field(default_factory=list)

    def next_status(self) -> int:
        return self.answers.pop(0) if self.answers else 200


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.next_status()
            answer = b'{"ok": true}' if status < 300 else b"receiver broken"
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0, 0]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


def endpoint_for(url: str, *scopes: str, events: list[str], organisation=None):
    """An endpoint of a new key with ``scopes`` (of ``organisation``, else a new partner); returns
    the endpoint and its secret."""
    fields = {"organisation": organisation} if organisation is not None else {}
    api_key = key_client(*scopes, **fields).api_key
    return webhook_endpoint_create(api_key=api_key, url=url, events=events)
