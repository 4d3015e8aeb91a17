"""The one place that sends a webhook over HTTP: a POST with a short timeout that never follows a
redirect (a receiver that moved answers 3xx, which counts as a failure the partner sees in the
delivery log), and never to an address inside a private network (webhooks.addresses). Any 2xx
answer is a delivery."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from webhooks.addresses import refused_address

EXCERPT = 500


@dataclass(frozen=True)
class Outcome:
    status: int | None
    response: str
    error: str

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    refused = refused_address(url)
    if refused:
        return Outcome(None, "", refused)
    try:
        answer = requests.post(
            url,
            data=body,
            headers={**headers, "user-agent": "WFS-Portal-Webhooks/1"},
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as exc:
        return Outcome(None, "", f"{type(exc).__name__}: {exc}"[:EXCERPT])
    try:
        excerpt = next(answer.iter_content(EXCERPT), b"").decode("utf-8", "replace")
    except requests.RequestException:
        excerpt = ""
    finally:
        answer.close()
    error = ""
    if 300 <= answer.status_code < 400:
        error = f"redirect to {answer.headers.get('location', '?')} not followed"[:EXCERPT]
    elif not 200 <= answer.status_code < 300:
        error = f"HTTP {answer.status_code}"
    return Outcome(answer.status_code, excerpt[:EXCERPT], error)
