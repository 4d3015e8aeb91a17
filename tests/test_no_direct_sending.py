"""Nothing in the apps sends an e-mail or hands a task to the broker itself: everything goes through
the outbox (outbox.services, through the notification door), written with the change, so that a
request never fails or loses work because the mail server or Redis is away. Only the outbox's relay
delivers (its delivery module, outbox/delivery.py), and only the notification door writes e-mails to it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "companies",
    "matchmaking",
    "fairs",
    "delegations",
    "projects",
    "reports",
    "notifications",
    "wfs_portal",
    "outbox",
]
# The relay's delivery is the one place that hands messages to the broker and the mail server.
DELIVERS = {Path("outbox/delivery.py")}
FORBIDDEN = {"delay", "apply_async", "send_mail", "send_mass_mail", "send_messages", "mail_admins", "mail_managers"}


def direct_sends() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in DELIVERS or "migrations" in relative.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                # EmailMessage(...).send() too; a queryset's or an object's own .send() is not mail.
                is_message_send = (
                    name == "send"
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Call)
                    and getattr(node.func.value.func, "id", "") in {"EmailMessage", "EmailMultiAlternatives"}
                )
                if name in FORBIDDEN or is_message_send:
                    found.append(f"{relative}:{node.lineno} {name}()")
    return found


def test_no_app_code_sends_mail_or_tasks_past_the_outbox():
    assert direct_sends() == []


def test_the_check_finds_a_direct_call(tmp_path, monkeypatch):
    """The check itself: a .delay() in an app module is found."""
    app = tmp_path / "companies"
    app.mkdir()
    (app / "bad.py").write_text("from companies import tasks\n\ndef f():\n    tasks.something.delay(1)\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "APPS", ["companies"])

    assert direct_sends() == ["companies/bad.py:4 delay()"]


# The notification door (recipients, their languages, rendering) and allauth's adapter, which hands
# allauth's own messages to the outbox: the only callers of the outbox's e-mail writes.
WRITES_EMAIL = {"email_enqueue", "email_enqueue_many"}
DOORS = {Path("notifications/door.py"), Path("notifications/accounts.py"), Path("outbox/services.py")}


def email_writes_past_the_door() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in DOORS or "migrations" in relative.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = set()
                if isinstance(node, ast.ImportFrom):
                    names = {alias.name for alias in node.names}
                elif isinstance(node, ast.Attribute):
                    names = {node.attr}
                if names & WRITES_EMAIL:
                    found.append(f"{relative}:{node.lineno}")
    return found


def test_every_email_goes_through_the_notification_door():
    assert email_writes_past_the_door() == []


def test_the_door_check_finds_an_email_written_past_it(tmp_path, monkeypatch):
    app = tmp_path / "fairs"
    app.mkdir()
    (app / "bad.py").write_text("from outbox.services import email_enqueue\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "APPS", ["fairs"])

    assert email_writes_past_the_door() == ["fairs/bad.py:1"]
