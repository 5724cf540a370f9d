"""A real SMTP server on loopback for the email tests (crates/notify/tests/it/email.rs).

Usage: python3 smtp_sink.py DIR [PASSWORD]

Listens on a free port of 127.0.0.1 and prints the port on stdout, then stores each
message it accepts as DIR/NNNN.eml (its bytes as received, after DATA). RCPT answers
550 5.1.1 for an address starting with "bounce" and 451 4.3.0 for one starting with
"defer" (naming it, as real servers do). The first message to an address starting with "slow" is stored, then never
answered (a sender that dies mid-send). With PASSWORD, a login (user "baton") is required before MAIL, over plain SMTP.
"""

import asyncio
import itertools
import logging
import os
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.numbers = itertools.count(1)
        self.slowed = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.lower()
        if local.startswith("bounce"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("defer"):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(self.directory, "%04d.eml" % next(self.numbers))
        with open(path + ".part", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".part", path)  # whole, or not there
        slow = [a for a in envelope.rcpt_tos if a.lower().startswith("slow") and a not in self.slowed]
        if slow:
            self.slowed.update(slow)
            await asyncio.sleep(3600)
        return "250 2.0.0 accepted"


def authenticator(password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"baton"
            and auth_data.password == password.encode()
        )
        # handled=False: aiosmtpd answers 535 itself (the default, True, answers nothing).
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    # Plain-text AUTH is the point here (loopback only): no warning about it on each start.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    directory = sys.argv[1]
    password = sys.argv[2] if len(sys.argv) > 2 else None
    sink = Sink(directory)

    def session():
        if password is None:
            return SMTP(sink, hostname="sink.test")
        return SMTP(
            sink,
            hostname="sink.test",
            authenticator=authenticator(password),
            auth_required=True,
            auth_require_tls=False,
        )

    server = await asyncio.get_running_loop().create_server(session, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
