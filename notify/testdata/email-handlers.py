"""aiosmtpd handlers for redline's email tests.

notify/email_test.go copies this file to redline_email_handlers.py in a
temporary directory on PYTHONPATH and runs
"python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c redline_email_handlers.CLASS DIR".
"""
import base64
import json
import os


class Store:
    """Stores each message's raw bytes in DIR/N.eml and its envelope in DIR/N.json."""

    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("the handler needs a directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".json", "w") as f:
            json.dump({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "login": getattr(session, "redline_login", None),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
            }, f)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 stored"


class RejectRCPT(Store):
    """Refuses recipients whose local part is "nobody"."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0] == "nobody":
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Auth(Store):
    """Accepts AUTH PLAIN for redline / s3cret only."""

    async def handle_AUTH(self, server, session, envelope, args):
        try:
            _, login, password = base64.b64decode(args[1]).split(b"\0")
        except Exception:
            return "501 5.5.2 bad AUTH PLAIN"
        if (login, password) != (b"redline", b"s3cret"):
            return "535 5.7.8 Authentication credentials invalid"
        session.redline_login = login.decode()
        return "235 2.7.0 Authentication successful"
