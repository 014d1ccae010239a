"""A visitor's side of the livechat channel's built-in mode, in Python: signing a visitor as the shop's backend
does (HMAC-SHA256 of "VISITOR.EXP"), reading the Server-Sent Events stream on a socket of its own, acking and
replying. Every read has a deadline, so nothing here can hang a test."""
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from herald_harness import _read_port, _stop, read_json_lines, write_json_atomically

CHAT_SECRET = "chat-visitor-secret-0123456789"


def sign(visitor, exp=None, secret=CHAT_SECRET):
    exp = exp if exp is not None else int(time.time()) + 3600
    sig = hmac.new(secret.encode(), f"{visitor}.{exp}".encode(), hashlib.sha256).hexdigest()
    return {"visitor": visitor, "exp": str(exp), "sig": sig}


def chat_channel(name="chat", **extra):
    return {"name": name, "plugin": "livechat", "visitor_secret": CHAT_SECRET} | extra


class EventStream:
    """One open GET /chat/v1/stream: the parsed events, read as they come."""

    def __init__(self, base, auth, last_event_id=None, timeout=10):
        url = urllib.parse.urlparse(base)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=timeout)
        path = f"{url.path}/v1/stream?{urllib.parse.urlencode(auth)}"
        extra = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id is not None else ""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\nAccept: text/event-stream\r\n"
                          f"{extra}\r\n".encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n", time.monotonic() + timeout)
        self.status = int(head.split(b" ")[1])
        self.headers = head.decode(errors="replace").lower()
        self.chunked = "transfer-encoding: chunked" in self.headers
        self.text = ""

    def _until(self, marker, deadline):
        while marker not in self.buffer:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("stream closed")
            self.buffer += data
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_more(self, deadline):
        if self.chunked:
            size_line = self._until(b"\r\n", deadline)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                data = self.sock.recv(65536)
                if not data:
                    raise ConnectionError("stream closed")
                self.buffer += data
            chunk, self.buffer = self.buffer[:size], self.buffer[size + 2:]
            self.text += chunk.decode()
        else:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("stream closed")
            self.text += data.decode()

    def next_event(self, kind="message", timeout=30):
        """The next event of `kind`: {"id", "event", "data"}; raises on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            while "\n\n" in self.text:
                block, self.text = self.text.split("\n\n", 1)
                event = {"event": "message"}
                for line in block.split("\n"):
                    if line.startswith(":") or ":" not in line:
                        continue
                    name, value = line.split(":", 1)
                    event[name] = value[1:] if value.startswith(" ") else value
                if "data" in event and event["event"] == kind:
                    event["data"] = json.loads(event["data"])
                    return event
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {kind} event within {timeout} s; read {self.text!r}")
            self._read_more(deadline)

    def close(self):
        self.sock.close()


def post(base, path, body, origin=None):
    """POST JSON to base/v1/PATH; the status code."""
    headers = {"content-type": "application/json"}
    if origin:
        headers["origin"] = origin
    request = urllib.request.Request(f"{base}/v1/{path}", data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def get_status(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class ChatProviders:
    """peers/chat_providers.py in its own process: the hosted providers' message APIs on one loopback port."""

    TOKEN = "chat-provider-token"

    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_path = self.root / "requests.jsonl"
        self.rules_path = self.root / "rules.json"
        self.set_rules({})
        self._stderr = open(self.root / "providers.stderr", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "peers" / "chat_providers.py"), "--log", str(self.log_path),
             "--rules", str(self.rules_path), "--token", self.TOKEN],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        self.port = _read_port(self.proc, "the chat providers mock")
        self.url = f"http://127.0.0.1:{self.port}"

    def set_rules(self, rules):
        write_json_atomically(self.rules_path, rules)

    def requests(self, provider=None):
        return [r for r in read_json_lines(self.log_path) if provider is None or r["provider"] == provider]

    def stop(self):
        _stop(self.proc)
        self.proc.stdout.close()
        self._stderr.close()
