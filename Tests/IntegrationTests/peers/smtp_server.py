#!/usr/bin/env python3
"""An SMTP peer for Herald's email tests (aiosmtpd), in its own process: prints its port, stores every accepted
message as N.eml beside a JSON line of its envelope, and answers by recipient so one server covers every case:

    rNNN@…      always refused with reply NNN at RCPT (421, 450, 451 4.7.1, 550 5.1.1, 552 5.3.4, 554)
    onceNNN@…   refused with NNN the first time, accepted after
    anything else is accepted: "250 2.0.0 Ok: queued as Q<n>"

Options: --tls-cert/--tls-key offer STARTTLS (and --require-tls demands it), --auth USER:PASS requires AUTH
(PLAIN or LOGIN; only over TLS when TLS is offered). Stops by itself after --lifetime seconds.
"""
import argparse
import asyncio
import json
import os
import re
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REPLIES = {
    "421": "421 4.7.0 Too many connections from your host, try again later",
    "450": "450 4.2.1 Mailbox busy, try again later",
    "451": "451 4.7.1 Rate limit exceeded, slow down",
    "550": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
    "552": "552 5.3.4 Message size exceeds fixed limit",
    "554": "554 Transaction failed",
}


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.seen = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        match = re.fullmatch(r"(r|once)(\d{3})", local)
        if match:
            first = address.lower() not in self.seen
            self.seen.add(address.lower())
            if match[1] == "r" or first:
                return REPLIES.get(match[2], f"{match[2]} refused").format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        name = os.path.join(self.directory, f"{n}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        record = {"n": n, "t": time.time(), "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "file": name, "tls": session.ssl is not None,
                  "auth": session.authenticated, "peer": list(session.peer)[:2]}
        with open(os.path.join(self.directory, "log.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        return f"250 2.0.0 Ok: queued as Q{n}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--auth")
    parser.add_argument("--lifetime", type=float, default=600)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, password = args.auth.split(":", 1)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    kwargs = {"tls_context": context, "require_starttls": bool(context and args.require_tls)}
    if args.auth:
        kwargs |= {"authenticator": authenticator, "auth_required": True, "auth_require_tls": bool(context)}
    # aiosmtpd's Controller connects to its own port to check it is up, so it needs a real one, not 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(args.dir), hostname="127.0.0.1", port=port, server_kwargs=kwargs,
                            server_hostname="127.0.0.1", ready_timeout=10)
    controller.start()
    print(port, flush=True)
    try:
        time.sleep(args.lifetime)
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
