"""E-mail backends for tests of what happens when the mail server misbehaves (the real server is
outside our control; everything else in these tests is real)."""

from django.core.mail.backends.base import BaseEmailBackend


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached: every connection is refused."""

    def open(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages):
        self.open()
        return 0


class RefusingBackend(BaseEmailBackend):
    """A mail server that is there but refuses every recipient (a mistyped address)."""

    def send_messages(self, email_messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused(
            {address: (550, b"5.1.1 No such user") for message in email_messages for address in message.to}
        )
