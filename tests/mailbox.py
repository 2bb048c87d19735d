"""smtplib.SMTP as the app uses it, keeping what it sends (`FakeSMTP.sent`): tests patch
`smtplib.SMTP` with it and read the messages instead of a mail server."""
from __future__ import annotations


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)
