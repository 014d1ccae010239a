#!/usr/bin/env python3
"""A scripted Standard Webhooks receiver for Herald's integration tests (a separate process on 127.0.0.1).

Every request is verified with standardwebhooks and logged as one JSON line:
{"t", "path", "id", "verified", "error", "headers", "body", "status"}.
Answers follow a JSON plan file, re-read when it changes:
{"default": 200, "ids": {"msg-1": [503, {"status": 429, "retry_after": "2"}]}}
Each id's list is consumed in order; once it is used up the id gets the default.
Prints the port on stdout once listening.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class Plan:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.mtime = None
        self.default = {"status": 200}
        self.queues = {}

    def _reload(self):
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self.mtime:
            return
        self.mtime = mtime
        with open(self.path) as f:
            plan = json.load(f)
        self.default = self._answer(plan.get("default", 200))
        self.queues = {key: [self._answer(a) for a in answers] for key, answers in plan.get("ids", {}).items()}

    @staticmethod
    def _answer(answer):
        return {"status": answer} if isinstance(answer, int) else dict(answer)

    def next_answer(self, message_id):
        with self.lock:
            self._reload()
            queue = self.queues.get(message_id)
            return queue.pop(0) if queue else self.default


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--delay-ms", type=float, default=0)
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate chain")
    parser.add_argument("--tls-key", help="the certificate's PEM private key")
    parser.add_argument("--port", type=int, default=0, help="listen here (0: any free port)")
    args = parser.parse_args()

    webhook = Webhook(args.secret)
    plan = Plan(args.plan)
    log = open(args.log, "a", buffering=1)
    log_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified, error = True, None
            try:
                webhook.verify(body, headers)
            except Exception as exc:  # any failure to verify is recorded, not fatal
                verified, error = False, f"{type(exc).__name__}: {exc}"
            message_id = headers.get("webhook-id", "")
            answer = plan.next_answer(message_id)
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000)
            reply = json.dumps({"ok": answer["status"] < 300}).encode()
            record = {
                "t": time.time(), "path": self.path, "id": message_id, "verified": verified, "error": error,
                "headers": headers, "body": body.decode("utf-8", "replace"), "status": answer["status"],
            }
            with log_lock:
                log.write(json.dumps(record) + "\n")
            self.send_response(answer["status"])
            if "retry_after" in answer:
                self.send_header("Retry-After", str(answer["retry_after"]))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True  # a receiver restarted on its old port, as after an outage
        request_queue_size = 256  # Herald opens up to `concurrency` connections at once

    server = Server(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
