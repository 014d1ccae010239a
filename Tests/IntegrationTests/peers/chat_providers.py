#!/usr/bin/env python3
"""A loopback mock of the hosted chat providers' "send a message into a conversation" APIs, for the livechat
plugin's provider modes. One HTTP server; each request is checked against the provider's documented shape and
logged (one JSON line per request to --log); the reply is scripted by --rules (JSON, re-read when it changes):
{"chatwoot": {"<conversation>|*": ["not_found", "ok", ...]}, ...}: each request takes the next reply of its
conversation's list (the last repeats); unlisted conversations get "ok".

  chatwoot   POST /api/v1/accounts/<account>/conversations/<id>/messages, header api_access_token == --token,
             JSON {content: non-empty string, message_type: "outgoing", private: false}
  crisp      POST /v1/website/<website>/conversation/<session>/message, Basic auth == --crisp-identifier:--token,
             header X-Crisp-Tier: plugin, JSON {type: "text", from: "operator", origin: "chat", content}
  intercom   POST /conversations/<id>/reply, Authorization: Bearer --token, JSON {message_type: "comment",
             type: "admin", admin_id: string, body}
  messenger  POST /<version>/<page>/messages, Authorization: Bearer --token, JSON {recipient: {id},
             messaging_type: RESPONSE | UPDATE | MESSAGE_TAG, tag (only with MESSAGE_TAG, one of Meta's), message: {text}}

Replies: ok (the provider's success body), not_found (404; Messenger: 400 code 551), auth (401; Messenger: 400
code 190), rate_limit (429 with Retry-After: 1; Messenger: 400 code 613, also with Retry-After: 1), server_error (500), window_closed
(Messenger: 400 code 10 subcode 2018278). A request that breaks the shape gets 400 with the reason, logged.
Prints its port on stdout, then serves until killed."""
import argparse
import base64
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TAGS = {"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT"}
ROUTES = [
    ("chatwoot", re.compile(r"^/api/v1/accounts/(?P<account>[^/]+)/conversations/(?P<id>[^/]+)/messages$")),
    ("crisp", re.compile(r"^/v1/website/(?P<account>[^/]+)/conversation/(?P<id>[^/]+)/message$")),
    ("intercom", re.compile(r"^/conversations/(?P<id>[^/]+)/reply$")),
    ("messenger", re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<account>[^/]+)/messages$")),
]


class Rules:
    def __init__(self, path):
        self.path, self.mtime, self.rules, self.counts = path, None, {}, {}
        self.lock = threading.Lock()

    def next(self, provider, target):
        with self.lock:
            try:
                mtime = os.stat(self.path).st_mtime_ns
                if mtime != self.mtime:
                    with open(self.path) as f:
                        self.rules, self.mtime, self.counts = json.load(f), mtime, {}
            except (OSError, ValueError):
                pass
            replies = self.rules.get(provider, {}).get(target) or self.rules.get(provider, {}).get("*") or ["ok"]
            key = (provider, target)
            index = self.counts.get(key, 0)
            self.counts[key] = index + 1
            return replies[min(index, len(replies) - 1)]


def check(provider, headers, body, args, match):
    """The reason a request breaks its provider's documented shape, or None."""
    if provider == "chatwoot":
        if headers.get("api_access_token") != args.token:
            return "auth"
        if body.get("message_type") != "outgoing" or body.get("private") is not False or not body.get("content"):
            return "bad: needs content, message_type outgoing, private false"
        if set(body) - {"content", "message_type", "private"}:
            return f"bad: unknown fields {sorted(set(body) - {'content', 'message_type', 'private'})}"
    elif provider == "crisp":
        expected = "Basic " + base64.b64encode(f"{args.crisp_identifier}:{args.token}".encode()).decode()
        if headers.get("authorization") != expected:
            return "auth"
        if headers.get("x-crisp-tier") != "plugin":
            return "bad: X-Crisp-Tier: plugin is required"
        if (body.get("type"), body.get("from"), body.get("origin")) != ("text", "operator", "chat") or not body.get("content"):
            return "bad: needs type text, from operator, origin chat, content"
    elif provider == "intercom":
        if headers.get("authorization") != f"Bearer {args.token}":
            return "auth"
        if (body.get("message_type"), body.get("type")) != ("comment", "admin") or not isinstance(body.get("admin_id"), str) \
                or not body.get("body"):
            return "bad: needs message_type comment, type admin, admin_id, body"
    elif provider == "messenger":
        if headers.get("authorization") != f"Bearer {args.token}":
            return "auth"
        kind = body.get("messaging_type")
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG") or not isinstance(body.get("recipient"), dict) \
                or not body["recipient"].get("id") or not (body.get("message") or {}).get("text"):
            return "bad: needs recipient.id, messaging_type, message.text"
        if (kind == "MESSAGE_TAG") != ("tag" in body) or ("tag" in body and body["tag"] not in TAGS):
            return "bad: a tag (one of Meta's) goes with MESSAGE_TAG only"
    return None


def reply(provider, name, target):
    """(status, headers, body) of reply `name`."""
    if provider == "messenger":
        errors = {"not_found": (551, None, "This person isn't available right now."), "auth": (190, 463, "Error validating access token"),
                  "rate_limit": (613, None, "Calls to this api have exceeded the rate limit."),
                  "window_closed": (10, 2018278, "This message is sent outside of allowed window.")}
        if name == "ok":
            return 200, {}, {"recipient_id": target, "message_id": "m_" + target}
        if name in errors:
            code, subcode, message = errors[name]
            error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Ab1"}
            if subcode:
                error["error_subcode"] = subcode
            return 400, {"Retry-After": "1"} if name == "rate_limit" else {}, {"error": error}
    if name == "ok":
        return {"chatwoot": (200, {}, {"id": 9001, "content_type": "text", "message_type": 1}),
                "crisp": (202, {}, {"error": False, "reason": "dispatched", "data": {"fingerprint": 163408}}),
                "intercom": (200, {}, {"type": "conversation", "id": target})}[provider]
    statuses = {"not_found": 404, "auth": 401, "rate_limit": 429, "server_error": 500}
    status = statuses.get(name, 500)
    headers = {"Retry-After": "1"} if name == "rate_limit" else {}
    if provider == "intercom":
        return status, headers, {"type": "error.list", "errors": [{"code": name, "message": f"{name} (mock)"}]}
    if provider == "crisp":
        return status, headers, {"error": True, "reason": name, "data": {}}
    return status, headers, {"error": f"{name} (mock)"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--token", default="chat-provider-token")
    parser.add_argument("--crisp-identifier", default="crisp-id")
    args = parser.parse_args()
    rules = Rules(args.rules)
    log_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            provider, match = next(((p, m) for p, pattern in ROUTES if (m := pattern.match(self.path))), (None, None))
            entry = {"path": self.path, "provider": provider}
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if provider is None or not isinstance(body, dict):
                status, extra, answer = 400, {}, {"error": "unknown route or not JSON"}
            else:
                target = (body.get("recipient") or {}).get("id") if provider == "messenger" else match["id"]
                entry |= {"target": target, "body": body}
                problem = check(provider, headers, body, args, match)
                name = "auth" if problem == "auth" else rules.next(provider, target)
                if problem and problem != "auth":
                    status, extra, answer = 400, {}, {"error": problem}
                else:
                    status, extra, answer = reply(provider, name, target)
                entry |= {"problem": problem, "reply": name}
            entry["status"] = status
            data = json.dumps(answer).encode()
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            with log_lock, open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
