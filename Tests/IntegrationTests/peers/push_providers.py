"""What the push peer checks for each provider (APNs, FCM + Google OAuth, Web Push) before it answers: one function
per endpoint taking a request and returning (answer, facts). An answer is a dict {status, headers, json|body,
retry_after, delay_ms, goaway}; the facts (decoded JWT, plaintext, the error found) go into the request log.
It neither reads sockets nor writes the log: push_server.py does.
"""
import json
import re
import secrets
import time
import urllib.parse
import uuid

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization

import push_keys
import push_replies

PUSH_TYPES = {"alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity",
              "pushtotalk", "widgets"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FCM_SCOPES = ("https://www.googleapis.com/auth/firebase.messaging", "https://www.googleapis.com/auth/cloud-platform")


def _load_public(path):
    with open(path, "rb") as f:
        return serialization.load_pem_public_key(f.read())


def _unverified(token):
    try:
        return {"header": jwt.get_unverified_header(token),
                "claims": jwt.decode(token, options={"verify_signature": False})}
    except jwt.PyJWTError:
        return None


def _scripted(peer, provider, key, credential, named):
    """A rules-file answer first, then the one the token names; None means answer normally."""
    answer = peer.rules.next(provider, key, credential)
    if answer is not None:
        return None if answer.get("reply") == "ok" else answer
    return named


class Providers:
    def __init__(self, args, origin, rules):
        self.origin = origin
        self.rules = rules
        self.apns_keys = {}
        for spec in args.apns_key or []:
            team, kid, path = spec.split(":", 2)
            self.apns_keys[kid] = (team, _load_public(path))
        self.fcm_key = _load_public(args.fcm_public_key) if args.fcm_public_key else None
        self.fcm_email = args.fcm_client_email
        self.fcm_project = args.fcm_project
        self.token_lifetime = args.fcm_token_lifetime
        self.access_tokens = {}  # access token -> expiry (time.time())
        self.subscriptions = args.subscriptions

    # --- APNs -------------------------------------------------------------------------------------------------

    def apns(self, req):
        apns_id = req.header("apns-id") or str(uuid.uuid4())
        facts = {"apns_id": apns_id}

        def fail(reason, **extra):
            facts["error"] = reason
            return push_replies.apns(reason, apns_id) | extra, facts

        if req.method != "POST":
            return fail("MethodNotAllowed")
        token = req.path.split("?", 1)[0][len("/3/device/"):]
        facts["token"] = token
        if not token:
            return fail("MissingDeviceToken")
        if req.duplicates():
            return fail("DuplicateHeaders")
        auth = req.header("authorization")
        if auth is None:
            return fail("MissingProviderToken")
        problem, decoded = self._apns_jwt(auth)
        facts["jwt"] = decoded
        if problem:
            return fail(problem)
        facts["team"] = decoded["claims"]["iss"]
        # Apple's rule: one team's (one key's) provider tokens per connection; another's is refused on it.
        identity = (decoded["claims"]["iss"], decoded["header"]["kid"])
        if req.connection.apns_identity not in (None, identity):
            return fail("InvalidProviderToken")
        req.connection.apns_identity = identity
        req.connection.authenticated = True
        topic, push_type = req.header("apns-topic"), req.header("apns-push-type")
        if not topic:
            return fail("MissingTopic")
        if push_type not in PUSH_TYPES:
            return fail("InvalidPushType")
        if req.header("apns-id") is not None and not UUID.match(req.header("apns-id")):
            return fail("BadMessageId")
        priority = req.header("apns-priority")
        if priority is not None and (priority not in ("10", "5", "1") or (push_type == "background" and
                                                                         priority == "10")):
            return fail("BadPriority")
        if req.header("apns-expiration") is not None and not req.header("apns-expiration").isdigit():
            return fail("BadExpirationDate")
        if len((req.header("apns-collapse-id") or "").encode()) > 64:
            return fail("BadCollapseId")
        if not req.body:
            return fail("PayloadEmpty")
        if len(req.body) > (5120 if push_type == "voip" else 4096):
            return fail("PayloadTooLarge")
        answer = _scripted(self, "apns", token, auth, push_replies.from_token("apns", token))
        if answer is not None:
            facts["scripted"] = answer["reply"]
            return push_replies.apns(answer["reply"], apns_id) | answer, facts
        return {"status": 200, "headers": [("apns-id", apns_id)]}, facts

    def _apns_jwt(self, auth):
        """(problem reason or None, decoded token or None) for an `authorization: bearer <JWT>` value."""
        scheme, _, token = auth.partition(" ")
        decoded = _unverified(token.strip())
        if scheme.lower() != "bearer" or decoded is None:
            return "InvalidProviderToken", decoded
        kid = decoded["header"].get("kid")
        if decoded["header"].get("alg") != "ES256" or kid not in self.apns_keys:
            return "InvalidProviderToken", decoded
        team, key = self.apns_keys[kid]
        try:
            claims = jwt.decode(token.strip(), key, algorithms=["ES256"], issuer=team, options={
                "require": ["iss", "iat"], "verify_iat": False, "verify_exp": False, "verify_nbf": False})
            iat = int(claims["iat"])
        except (jwt.PyJWTError, ValueError, TypeError):
            return "InvalidProviderToken", decoded
        if iat > time.time() + 60:
            return "InvalidProviderToken", decoded
        if time.time() - iat > 3600:
            return "ExpiredProviderToken", decoded
        return None, decoded

    # --- FCM: the OAuth token endpoint and messages:send -----------------------------------------------------

    def oauth_token(self, req):
        facts = {}
        form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"))
        grant, assertion = form.get("grant_type", [""])[0], form.get("assertion", [""])[0]
        facts["grant_type"] = grant
        facts["jwt"] = _unverified(assertion)
        if req.method != "POST" or grant != push_keys.JWT_GRANT:
            facts["error"] = "unsupported_grant_type"
            return push_replies.oauth("unsupported_grant_type"), facts
        problem = self._assertion_problem(assertion)
        if problem:
            facts["error"] = problem
            return push_replies.oauth(problem), facts
        answer = self.rules.next("oauth", "*", assertion)
        if answer is not None and answer.get("reply") != "ok":
            facts["scripted"] = answer["reply"]
            return push_replies.oauth(answer["reply"]) | answer, facts
        token = "ya29.c.herald-" + secrets.token_urlsafe(24)
        self.access_tokens[token] = time.time() + self.token_lifetime
        facts["access_token"] = token
        body = {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        return {"status": 200, "headers": [("content-type", "application/json; charset=utf-8")], "json": body}, facts

    def _assertion_problem(self, assertion):
        if self.fcm_key is None:
            return "invalid_client"
        try:
            claims = jwt.decode(assertion, self.fcm_key, algorithms=["RS256"], audience=self.origin + "/token",
                                issuer=self.fcm_email, leeway=60, options={"require": ["iss", "aud", "iat", "exp"]})
        except jwt.PyJWTError:
            return "invalid_grant"
        if int(claims["exp"]) - int(claims["iat"]) > 3600:
            return "invalid_grant"
        if not any(scope in str(claims.get("scope", "")).split() for scope in FCM_SCOPES):
            return "invalid_scope"
        return None

    def fcm_send(self, req):
        match = re.fullmatch(r"/v1/projects/([^/]+)/messages:send", req.path.split("?", 1)[0])
        project = match[1] if match else "?"
        facts = {"project": project}

        def fail(name, **extra):
            facts["error"] = name
            return push_replies.fcm(name, project) | extra, facts

        if not match or req.method != "POST":
            return {"status": 404, "headers": [], "json": {"error": {"code": 404, "message": "Not Found",
                                                                     "status": "NOT_FOUND"}}}, facts
        scheme, _, token = (req.header("authorization") or "").partition(" ")
        expiry = self.access_tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expiry is None or expiry < time.time():
            return fail("UNAUTHENTICATED")
        if project != self.fcm_project:
            return fail("PERMISSION_DENIED")
        try:
            message = json.loads(req.body)["message"]
            targets = [k for k in ("token", "topic", "condition") if isinstance(message.get(k), str)]
        except (ValueError, KeyError, TypeError, AttributeError):
            return fail("INVALID_ARGUMENT")
        facts["message"] = message
        if len(targets) != 1 or not all(isinstance(v, str) for v in (message.get("data") or {}).values()):
            return fail("INVALID_ARGUMENT")
        target = message[targets[0]]
        answer = _scripted(self, "fcm", target, token, push_replies.from_token("fcm", target))
        if answer is not None:
            facts["scripted"] = answer["reply"]
            return push_replies.fcm(answer["reply"], project) | answer, facts
        name = f"projects/{project}/messages/0:{int(time.time() * 1000)}%{secrets.token_hex(8)}"
        return {"status": 200, "headers": [("content-type", "application/json; charset=UTF-8")],
                "json": {"name": name}}, facts

    # --- Web Push ---------------------------------------------------------------------------------------------

    def webpush(self, req):
        sub_id = req.path.split("?", 1)[0][len("/wp/"):]
        facts = {"subscription": sub_id}

        def fail(status, why, **extra):
            facts["error"] = why
            return push_replies.webpush(status) | extra, facts

        if req.method != "POST":
            return fail(400, "method")
        auth = req.header("authorization")
        if auth is None:
            return fail(401, "no Authorization")
        problem, key, decoded = self._vapid(auth)
        facts["jwt"], facts["vapid_k"] = decoded, key
        if problem:
            return fail(403, problem)
        if not (req.header("ttl") or "").isdigit():
            return fail(400, "TTL missing or not digits")
        if req.headers_named("content-encoding") != ["aes128gcm"]:
            return fail(400, "Content-Encoding must be aes128gcm, once")
        if req.header("urgency") not in (None, "very-low", "low", "normal", "high") or len(
                req.headers_named("urgency")) > 1:
            return fail(400, "Urgency")
        topic = req.header("topic")
        if topic is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic):
            return fail(400, "Topic")
        answer = _scripted(self, "webpush", sub_id, auth, push_replies.from_token("wp", sub_id))
        if answer is not None:
            facts["scripted"] = answer["reply"]
            return push_replies.webpush(int(answer["reply"])) | answer, facts
        subscription = push_keys.load_subscription(self.subscriptions, sub_id)
        if subscription is None:
            return fail(404, "unknown subscription")
        if subscription.vapid_public and subscription.vapid_public != key:
            return fail(403, "k is not the key the subscription was made with")
        if len(req.body) > 4096:
            return fail(413, "body over 4096 bytes")
        try:
            plaintext = http_ece.decrypt(req.body, private_key=subscription.private_key,
                                         auth_secret=subscription.auth, version="aes128gcm")
        except Exception as exc:  # http_ece raises ECEException, ValueError or InvalidTag on a bad body
            return fail(400, f"decrypt: {type(exc).__name__}: {exc}")
        facts["plaintext"] = plaintext.decode("utf-8", "replace")
        facts["plaintext_b64"] = push_keys.b64url(plaintext)
        location = f"{self.origin}/m/{uuid.uuid4().hex}"
        return {"status": 201, "headers": [("location", location), ("ttl", req.header("ttl"))]}, facts

    def _vapid(self, auth):
        """(problem or None, k, decoded JWT) for `vapid t=<JWT>, k=<key>`."""
        scheme, _, rest = auth.partition(" ")
        params = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        token, key = params.get("t"), params.get("k")
        decoded = _unverified(token) if token else None
        if scheme.lower() != "vapid" or not token or not key:
            return "Authorization is not vapid t=…, k=…", key, decoded
        try:
            public = push_keys.public_from_raw(push_keys.b64url_decode(key))
            claims = jwt.decode(token, public, algorithms=["ES256"], audience=self.origin,
                                options={"require": ["aud", "exp"]})
        except (jwt.PyJWTError, ValueError) as exc:
            return f"JWT: {type(exc).__name__}: {exc}", key, decoded
        if int(claims["exp"]) > time.time() + 86400 + 10:
            return "exp more than 24 h ahead", key, decoded
        sub = claims.get("sub")
        if sub is not None and not re.fullmatch(r"(mailto:[^\s<>]+@[^\s<>]+|https:[^\s<>]+)", str(sub)):
            return "sub is not a mailto: or https: URI", key, decoded
        return None, key, decoded
