#!/usr/bin/env python3
"""A loopback push-provider peer for Herald's `push` channel tests: one HTTP/2-over-TLS server (raw `h2` on
asyncio, ALPN h2 only) playing APNs, FCM HTTP v1 with Google's OAuth token endpoint, and Web Push on one port.

Endpoints
    POST /3/device/<token>                     APNs: ES256 provider JWT (kid/iss from --apns-key, iat ≤ 1 h old,
                                               one team and key per connection), apns-topic, apns-push-type;
                                               200 + apns-id (echoed or new)
    POST /token                                OAuth: RS256 assertion (iss = --fcm-client-email, aud = ORIGIN/token,
                                               scope firebase.messaging); {"access_token","expires_in","token_type"}
    POST /v1/projects/<project>/messages:send  FCM: Bearer token this server issued, unexpired; 200 {"name"}
    POST /wp/<subscription id>                 Web Push: vapid t=…, k=… (ES256, aud = ORIGIN, exp ≤ 24 h, sub
                                               mailto:/https:), TTL, Content-Encoding aes128gcm; decrypts with
                                               the subscription DIR/subscriptions/<id>.json; 201 + Location
ORIGIN is https://127.0.0.1:<port>. Real checks come first: a bad JWT gets its real error (APNs 403
InvalidProviderToken / ExpiredProviderToken / MissingProviderToken, OAuth 400 invalid_grant, FCM 401
UNAUTHENTICATED, Web Push 401/403), a bad header its 400; only a request that passes them gets a scripted reply.

Selecting replies
1. By the token (APNs path token, FCM message.token/topic/condition, Web Push subscription id):
       apns-<Reason>[-ra<N>|-nora][-anything]   e.g. apns-Unregistered-1, apns-BadDeviceToken, apns-TooManyRequests-ra5
       fcm-<NAME>[-ra<N>|-nora][-anything]      e.g. fcm-UNREGISTERED, fcm-INVALID_TOKEN, fcm-QUOTA_EXCEEDED-ra3
       wp-<status>[-ra<N>|-nora][-anything]     e.g. wp-410-x, wp-404, wp-429-nora, wp-503-ra2
   APNs reasons and FCM names are the keys of push_replies.APNS / FCM (names, not status numbers), Web Push
   statuses those of push_replies.WEBPUSH: the rows of PROTOCOLS.md §2.4/§3.3/§4.2. FCM's INVALID_TOKEN is the
   INVALID_ARGUMENT that names the registration token, INVALID_ARGUMENT another one; UNAUTHENTICATED and
   PERMISSION_DENIED carry no FcmError detail. `-ra<N>` adds `Retry-After: N`, `-nora` drops a default one
   (FCM QUOTA_EXCEEDED and wp-429 send `Retry-After: 1`). The token gets that reply every time. APNs tokens that
   Herald insists be hex cannot use this: script them by exact token in the rules file.
2. By the rules file DIR/rules.json (re-read when it changes; see push_replies.Rules):
       {"apns": {"<token>|*": ["ExpiredProviderToken", "ok"]},
        "fcm": {"*": [{"reply": "UNAUTHENTICATED", "until_new_credential": true}]},
        "oauth": {"*": ["invalid_grant"]}, "webpush": {"<id>": [503, {"reply": 429, "retry_after": "2"}]}}
   Each list is consumed in order (a rules answer comes before the token's; "ok" is the normal answer), then the
   request is answered normally. `until_new_credential` holds an answer while requests carry the same
   authorization as the first it answered: the refresh-then-succeed cases. An answer dict may also carry
   `delay_ms` and `goaway` (a reason: close the connection with GOAWAY whose debug data is {"reason": …}, the
   stream unanswered).

Output, all in --dir: `requests.jsonl` (one JSON line per request: provider, conn, stream, method, path,
headers, jwt {header, claims}, plaintext, error/scripted, reply {status, headers, body}), `connections` (the
number of TLS connections accepted, rewritten on each), `port`. Prints the port on stdout once listening; stops by
itself after --lifetime seconds.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import h2.exceptions
from h2.settings import SettingCodes

sys.path.insert(0, str(Path(__file__).resolve().parent))
import push_providers  # noqa: E402
import push_replies  # noqa: E402


class Request:
    def __init__(self, connection, stream_id, headers):
        self.connection = connection
        self.stream_id = stream_id
        self.headers = [(k, v) for k, v in headers if not k.startswith(":")]
        pseudo = dict((k, v) for k, v in headers if k.startswith(":"))
        self.method, self.path = pseudo.get(":method", ""), pseudo.get(":path", "")
        self.body = bytearray()

    def header(self, name):
        values = self.headers_named(name)
        return values[-1] if values else None

    def headers_named(self, name):
        return [v for k, v in self.headers if k == name]

    def duplicates(self):
        names = [k for k, _ in self.headers if k.startswith("apns-") or k == "authorization"]
        return len(names) != len(set(names))


class Peer:
    """The server state shared by every connection: providers, the request log and the connection count."""

    def __init__(self, args):
        self.args = args
        self.dir = Path(args.dir)
        self.log = open(self.dir / "requests.jsonl", "a", buffering=1)
        self.accepted = 0
        self.providers = None  # made once the port, hence the origin, is known

    def count_connection(self):
        self.accepted += 1
        tmp = self.dir / "connections.tmp"
        tmp.write_text(f"{self.accepted}\n")
        os.replace(tmp, self.dir / "connections")
        return self.accepted

    def route(self, req):
        path = req.path.split("?", 1)[0]
        if path.startswith("/3/device/"):
            return "apns", self.providers.apns
        if path == "/token":
            return "oauth", self.providers.oauth_token
        if path.startswith("/v1/projects/"):
            return "fcm", self.providers.fcm_send
        if path.startswith("/wp/"):
            return "webpush", self.providers.webpush
        return "unknown", lambda r: ({"status": 404, "headers": [], "json": {"reason": "BadPath"}}, {})

    def record(self, req, provider, facts, answer, reply_headers, body):
        record = {"t": time.time(), "provider": provider, "conn": req.connection.number, "stream": req.stream_id,
                  "method": req.method, "path": req.path, "headers": dict(req.headers),
                  "header_list": req.headers, "body": bytes(req.body).decode("utf-8", "replace"),
                  "body_len": len(req.body)} | facts
        record["reply"] = {"status": answer["status"], "headers": dict(reply_headers),
                           "body": body.decode("utf-8", "replace"), "goaway": answer.get("goaway")}
        self.log.write(json.dumps(record) + "\n")


class Connection:
    """One accepted TLS connection speaking HTTP/2; every request on it is answered in its own task."""

    def __init__(self, peer, reader, writer):
        self.peer, self.reader, self.writer = peer, reader, writer
        self.number = peer.count_connection()
        self.authenticated = False
        self.apns_identity = None
        self.streams_limited = False
        self.streams = {}
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.closed = False

    async def run(self):
        ssl_object = self.writer.get_extra_info("ssl_object")
        if ssl_object is None or ssl_object.selected_alpn_protocol() != "h2":
            self.writer.close()
            return
        self.streams_limited = self.peer.args.apns_one_stream_until_auth
        streams = 1 if self.streams_limited else 1000
        self.h2.local_settings = h2.settings.Settings(client=False, initial_values={
            SettingCodes.MAX_CONCURRENT_STREAMS: streams, SettingCodes.MAX_HEADER_LIST_SIZE: 65536})
        self.h2.initiate_connection()
        await self.flush()
        try:
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                for event in self.h2.receive_data(data):
                    self.on_event(event)
                await self.flush()
        except h2.exceptions.ProtocolError:
            await self.flush_quietly()  # h2 has queued the GOAWAY that says why
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            self.closed = True
            self.writer.close()

    def on_event(self, event):
        if isinstance(event, h2.events.RequestReceived):
            self.streams[event.stream_id] = Request(self, event.stream_id, event.headers)
        elif isinstance(event, h2.events.DataReceived):
            if event.stream_id in self.streams:
                self.streams[event.stream_id].body += event.data
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            req = self.streams.pop(event.stream_id, None)
            if req is not None:
                req.body = bytes(req.body)
                asyncio.get_running_loop().create_task(self.answer(req))
        elif isinstance(event, h2.events.StreamReset):
            self.streams.pop(event.stream_id, None)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.closed = True

    async def answer(self, req):
        provider, handler = self.peer.route(req)
        try:
            answer, facts = handler(req)
        except Exception as exc:  # a peer bug answers 500 and is logged rather than hanging the stream
            answer, facts = {"status": 500, "headers": [], "body": b"peer error"}, {"exception": repr(exc)}
        if self.authenticated and self.streams_limited:
            self.streams_limited = False  # APNs lifts the one-stream limit once a valid token was seen
            self.h2.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: 1000})
        delay = answer.get("delay_ms", self.peer.args.delay_ms)
        if delay:
            await asyncio.sleep(delay / 1000)
        body = json.dumps(answer["json"]).encode() if "json" in answer else answer.get("body", b"")
        headers = [(":status", str(answer["status"]))] + list(answer.get("headers", []))
        if answer.get("retry_after") is not None:
            headers.append(("retry-after", str(answer["retry_after"])))
        if body:
            headers.append(("content-length", str(len(body))))
        facts = {k: v for k, v in facts.items() if v is not None}
        self.peer.record(req, provider, facts, answer, headers[1:], body if not answer.get("goaway") else b"")
        if self.closed:
            return
        try:
            if answer.get("goaway"):
                self.h2.close_connection(additional_data=json.dumps({"reason": answer["goaway"]}).encode(),
                                         last_stream_id=max(0, req.stream_id - 2))
                self.closed = True
            else:
                self.h2.send_headers(req.stream_id, headers, end_stream=not body)
                if body:
                    self.h2.send_data(req.stream_id, body, end_stream=True)
            await self.flush()
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, ConnectionError):
            return
        if self.closed:
            self.writer.close()

    async def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def flush_quietly(self):
        try:
            await self.flush()
        except (ConnectionError, ssl.SSLError):
            pass


async def serve(args):
    peer = Peer(args)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.tls_cert, args.tls_key)
    context.set_alpn_protocols(["h2"])

    async def on_connect(reader, writer):
        await Connection(peer, reader, writer).run()

    server = await asyncio.start_server(on_connect, "127.0.0.1", args.port, ssl=context, backlog=256)
    port = server.sockets[0].getsockname()[1]
    origin = f"https://127.0.0.1:{port}"
    peer.providers = push_providers.Providers(args, origin, push_replies.Rules(peer.dir / "rules.json"))
    (peer.dir / "port").write_text(f"{port}\n")
    print(port, flush=True)
    async with server:
        await asyncio.sleep(args.lifetime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="log, connection count, rules.json, subscriptions/")
    parser.add_argument("--port", type=int, default=0, help="listen here on 127.0.0.1 (0: any free port)")
    parser.add_argument("--tls-cert", required=True)
    parser.add_argument("--tls-key", required=True)
    parser.add_argument("--apns-key", action="append", metavar="TEAM:KEYID:PUBLIC.pem",
                        help="an APNs signing key to accept (repeatable)")
    parser.add_argument("--apns-one-stream-until-auth", action="store_true",
                        help="like APNs: SETTINGS_MAX_CONCURRENT_STREAMS 1 until a valid provider token is seen")
    parser.add_argument("--fcm-public-key", help="the service account's public key (PEM)")
    parser.add_argument("--fcm-client-email")
    parser.add_argument("--fcm-project", default="herald-test")
    parser.add_argument("--fcm-token-lifetime", type=int, default=3599, help="expires_in of access tokens issued")
    parser.add_argument("--subscriptions", help="Web Push subscriptions (default DIR/subscriptions)")
    parser.add_argument("--delay-ms", type=float, default=0, help="delay before every reply")
    parser.add_argument("--lifetime", type=float, default=900, help="exit after this many seconds")
    args = parser.parse_args()
    args.subscriptions = args.subscriptions or str(Path(args.dir) / "subscriptions")
    asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
