#!/usr/bin/env python3
"""A loopback ad-audience peer for Herald's `audience` channel tests: one HTTP/1.1 server (ThreadingHTTPServer on
127.0.0.1, TLS from the private CA with --tls) playing Meta's Custom Audience users edge, Google's Data Manager API
with its OAuth token endpoint, and a generic Standard Webhooks receiver on one port (PROTOCOLS.md §6.1, §6.3, §5).

Endpoints (ORIGIN is http[s]://127.0.0.1:<port>)
    POST|DELETE /<version>/<audience id>/users   Meta: add | remove. Form body: payload={"schema": [...], "data":
                                                 [[...], ...]}, optional session={session_id, batch_seq,
                                                 last_batch_flag[, estimated_num_total]}, access_token (or
                                                 `Authorization: Bearer`, or ?access_token=); `method=DELETE` in
                                                 the form also removes.
    POST /token                                  Google OAuth (push_providers.Providers.oauth_token): RS256
                                                 assertion, iss = --google-client-email, aud = ORIGIN/token, scope
                                                 https://www.googleapis.com/auth/datamanager.
    POST /v1/audienceMembers:ingest|:remove      Google Data Manager: Bearer token this peer issued, unexpired.
    POST /generic/<anything>                     generic: {"audience", "action": "add"|"remove", "members": [{"id",
                                                 "identifiers": {...}}]}, Standard Webhooks signed (--generic-secret).

Checks, in order; a failed one gets the provider's real error and consumes no rule.
  Meta: version == --meta-version (else 400 code 2635); POST or DELETE (else 400 code 100); body ≤ --meta-max-body
  (else HTTP 413 with an HTML body, as a proxy answers: classify by status); form-encoded, no repeated parameter;
  token present (else 400 code 104) and == --meta-token (else 400 code 190, WWW-Authenticate); audience id numeric
  (else 400 code 100 subcode 33); payload JSON with schema keys from EMAIL PHONE FN LN CT ST ZIP COUNTRY EXTERN_ID
  without duplicates (or "EMAIL_SHA256"/"PHONE_SHA256" with a flat data list); 1 ≤ rows ≤ --meta-max-rows; every
  row a list of the schema's length of strings; every value of a hashed key "" or 64 lowercase hex (EXTERN_ID any
  string); session, when given, well-typed. All those are 400 code 100 ("(#100) …") unless said otherwise.
  Google: path and POST (else 404); Bearer token (else 401 UNAUTHENTICATED, ErrorInfo reason CREDENTIALS_MISSING,
  ACCESS_TOKEN_TYPE_UNSUPPORTED or ACCESS_TOKEN_EXPIRED); JSON object with only the request's fields (ingest:
  destinations audienceMembers consent validateOnly encoding encryptionInfo termsOfService; remove: no consent, no
  termsOfService) and no encryptionInfo; encoding "HEX"; 1–10 destinations {operatingAccount {accountType,
  accountId digits}, productDestinationId}; operating account in --google-account when given (else 403
  PERMISSION_DENIED); 1 ≤ members ≤ --google-max-members; each member {userData {userIdentifiers: 1–10 of
  {emailAddress: hex64} | {phoneNumber: hex64} | {address {givenName hex64, familyName hex64, regionCode [A-Z]{2},
  postalCode unhashed}}}[, consent]}; ingest needs consent {adUserData, adPersonalization: CONSENT_GRANTED |
  CONSENT_DENIED} on the request or on every member. Those are 400 INVALID_ARGUMENT with a google.rpc.BadRequest
  listing fieldViolations [{field: "audienceMembers[0].userData.userIdentifiers[1].emailAddress", description}].
  generic: POST (else 405); Standard Webhooks signature valid and timestamp within 5 min (else 401); JSON with
  audience, action, 1 ≤ members ≤ --generic-max-members, each {id, identifiers} with keys from email phone
  first_name last_name city region postal_code country (hex64 or "") and external_id (any string) (else 400).

Replies
  Meta success 200: {"audience_id": "<id>", "session_id": "<session.session_id, or a random one>", "num_received":
    <rows>, "num_invalid_entries": <invalid rows>, "invalid_entry_samples": {"<row key>": "<reason>"}} where the row
    key is the row's first non-empty value of a hashed key in schema order, else its EXTERN_ID, else "row:<index>".
    A row with no value at all is invalid ("No identifier in the row"). Every Meta reply carries
    X-Business-Use-Case-Usage: {"<--meta-ad-account>": [{"type": "custom_audience", "call_count", "total_cputime",
    "total_time", "estimated_time_to_regain_access"}]} (1, 1, 1, 0 normally). Errors: {"error": {"message", "type":
    "OAuthException", "code", "error_subcode"?, "fbtrace_id"}}.
  Google success 200: {"requestId": "<uuid>"}; with invalid members also "partialFailureError": {"code": 3,
    "message", "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field":
    "audienceMembers[<index in the request>]", "description": "<reason>", "reason": "INVALID_USER_IDENTIFIER"}]}]}.
    The other members are applied. Errors: {"error": {"code": <HTTP status>, "message", "status", "details"?}}.
  generic success 200: {"invalid": [{"id": "<member id>", "reason": "<reason>"}]} ([] when all were applied).
    Errors: {"error": "<reply name>", "message"} (429 with Retry-After: 1 unless the rule says otherwise).

Rules: DIR/rules.json, re-read when it changes (audience_replies.Rules)
    {"meta":    {"<audience id>|*": ["rate_limit", {"reply": "rate_limit", "code": 613, "regain_minutes": 60}]},
     "google":  {"<productDestinationId>|*": [{"reply": "auth", "until_new_credential": true}, "ok"]},
     "oauth":   {"*": ["invalid_grant"]},
     "generic": {"<audience>|*": [{"reply": "rate_limit", "retry_after": 2}, {"reply": "partial", "invalid":
                 ["<message id or hash>"]}]}}
  Each list is consumed in order (the audience's own list before "*"), one answer per request that passed the checks,
  then requests are answered normally. Names: ok, partial, rate_limit, auth, permission, server_error, unavailable,
  bad_request, and for Meta audience_blocked (100/1713230); oauth takes push_replies.OAUTH names. Meta maps them to
  rate_limit = code 80003 (or `code` 17/2446079, 4, 613/1487742) HTTP 400 with estimated_time_to_regain_access =
  `regain_minutes` (default 1), auth = 190/463, permission = 200, bad_request = 100, server_error = code 1 HTTP
  500, unavailable = code 2 HTTP 503; a Meta answer may override `code`, `error_subcode`, `message`, `status` and
  give `usage` fields for the header (also on "ok"). Google: bad_request 400 INVALID_ARGUMENT, auth 401
  UNAUTHENTICATED, permission 403 PERMISSION_DENIED, rate_limit 429 RESOURCE_EXHAUSTED (ErrorInfo metadata
  quota_limit = `quota_limit`, default IngestRequestsPerMinutePerProject), server_error 500 INTERNAL, unavailable
  503 UNAVAILABLE. generic: 400, 401, 403, 429, 500, 503. {"reply": "partial", "invalid": [...] or {value:
  reason}} marks rows invalid: Meta a row with any value equal to one, Google a member with any identifier value
  equal to one, generic a member whose id or any identifier value equals one. Any answer may carry `retry_after`
  (header; null drops generic 429's default), `delay_ms`, `sticky` (never consumed) and `until_new_credential`
  (held while requests carry the same token as the first it answered: Meta access token, Google access token).

Membership: per audience id (Meta path id, Google productDestinationId, generic audience), in memory; a successful
request adds or removes its valid rows' keys (validateOnly changes nothing). The key: the email hash if present,
else the phone hash, else the external id (Meta EXTERN_ID, generic external_id), else the first other hashed value
(Meta, generic) or "address:<givenName>:<familyName>:<regionCode>:<postalCode>" (Google).

Output, all in --dir: `requests.jsonl` (one JSON line per request: t, provider meta|google|oauth|generic|unknown,
method, path, headers, body_bytes, audience, action, count, keys (each row's key), invalid (keys made invalid),
rows/members as parsed, provider facts (schema, session, version, destinations, consent, validate_only,
webhook_id, jwt, access_token), problems (what a check found), scripted (the rule's reply name), reply {status,
headers, body}), `members.json` ({audience id: sorted keys}, rewritten after every request), `port`. Prints the
port on stdout once listening; stops by itself after --lifetime seconds.
"""
import argparse
import json
import re
import secrets
import ssl
import sys
import threading
import time
import traceback
import types
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import standardwebhooks

sys.path.insert(0, str(Path(__file__).resolve().parent))
import audience_replies as replies  # noqa: E402
import push_providers  # noqa: E402
from test_ca import make_ca_and_server  # noqa: E402

HEX64 = replies.HEX64
DATAMANAGER_SCOPE = "https://www.googleapis.com/auth/datamanager"
BODY_CAP = 64 << 20  # beyond this the peer answers 413 without reading the body, then closes
META_KEYS = ("EMAIL", "PHONE", "FN", "LN", "CT", "ST", "ZIP", "COUNTRY", "EXTERN_ID")
META_SINGLE = {"EMAIL_SHA256": "EMAIL", "PHONE_SHA256": "PHONE"}
META_PATH = re.compile(r"^/([^/]+)/([^/]+)/users$")
GOOGLE_PATH = re.compile(r"^/v1/audienceMembers:(ingest|remove)$")
GOOGLE_FIELDS = {"ingest": {"destinations", "audienceMembers", "consent", "validateOnly", "encoding",
                            "encryptionInfo", "termsOfService"},
                 "remove": {"destinations", "audienceMembers", "validateOnly", "encoding", "encryptionInfo"}}
DESTINATION_FIELDS = {"reference", "loginAccount", "linkedAccount", "operatingAccount", "productDestinationId"}
ACCOUNT_TYPES = {"GOOGLE_ADS", "DISPLAY_VIDEO_PARTNER", "DISPLAY_VIDEO_ADVERTISER", "DATA_PARTNER"}
CONSENT = {"CONSENT_GRANTED", "CONSENT_DENIED"}
GENERIC_HASHED = ("email", "phone", "first_name", "last_name", "city", "region", "postal_code", "country")
PASSTHROUGH = ("retry_after", "delay_ms")


class Reject(Exception):
    """A failed check: the reply to send and what was wrong."""

    def __init__(self, answer, problem):
        super().__init__(problem)
        self.answer, self.problem = answer, problem


class Request:
    def __init__(self, method, target, headers, body, oversize=False):
        self.method, self.target, self.body, self.oversize = method, target, body, oversize
        split = urllib.parse.urlsplit(target)
        self.path = split.path
        self.query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        self.headers = [(k.lower(), v) for k, v in headers]

    def header(self, name):
        values = [v for k, v in self.headers if k == name]
        return values[-1] if values else None

    def bearer(self):
        scheme, _, token = (self.header("authorization") or "").partition(" ")
        return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None


def _passthrough(answer):
    return {k: answer[k] for k in PASSTHROUGH if k in answer}


def _first(values):
    return next((v for v in values if v), None)


class GoogleOAuth(push_providers.Providers):
    """push_providers' FCM token endpoint, asking for the Data Manager scope instead of FCM's."""

    def __init__(self, args, origin, rules):
        super().__init__(types.SimpleNamespace(
            apns_key=None, fcm_public_key=args.google_public_key, fcm_client_email=args.google_client_email,
            fcm_project="", fcm_token_lifetime=args.google_token_lifetime, subscriptions=None), origin, rules)

    def _assertion_problem(self, assertion):
        problem = super()._assertion_problem(assertion)
        if problem not in (None, "invalid_scope"):
            return problem
        scopes = str(jwt.decode(assertion, options={"verify_signature": False}).get("scope", "")).split()
        return None if DATAMANAGER_SCOPE in scopes else "invalid_scope"

    def token_state(self, token):
        """"ok", or the ErrorInfo reason for a missing, unknown or expired access token."""
        if not token:
            return "CREDENTIALS_MISSING"
        expiry = self.access_tokens.get(token)
        if expiry is None:
            return "ACCESS_TOKEN_TYPE_UNSUPPORTED"
        return "ok" if expiry >= time.time() else "ACCESS_TOKEN_EXPIRED"


class Peer:
    """The state every request shares: arguments, rules, membership, the log; one request handled at a time."""

    def __init__(self, args, origin):
        self.args = args
        self.dir = Path(args.dir)
        self.rules = replies.Rules(self.dir / "rules.json")
        self.oauth = GoogleOAuth(args, origin, self.rules)
        self.webhook = standardwebhooks.Webhook(args.generic_secret) if args.generic_secret else None
        self.members = {}
        self.lock = threading.Lock()
        self.log = open(self.dir / "requests.jsonl", "a", buffering=1)
        replies.write_json_atomically(self.dir / "members.json", {})

    def route(self, req):
        if req.path == "/token":
            return "oauth", self.oauth.oauth_token
        if GOOGLE_PATH.match(req.path):
            return "google", self.google
        if req.path.startswith("/generic/"):
            return "generic", self.generic
        if META_PATH.match(req.path):
            return "meta", self.meta
        return "unknown", lambda r: (replies.google_error("not_found"), {})

    def handle(self, req):
        """(answer, status, headers, body) for one request, after logging it and saving the membership."""
        provider, handler = self.route(req)
        with self.lock:
            try:
                if req.oversize:
                    raise Reject(_html(413, "Request Entity Too Large"), f"body over the peer's {BODY_CAP} bytes")
                answer, facts = handler(req)
            except Reject as reject:
                answer, facts = reject.answer, {"problems": [reject.problem]}
            except Exception as exc:  # a peer bug answers 500 and is logged rather than hanging the request
                answer = {"status": 500, "headers": [], "body": b"peer error"}
                facts = {"exception": repr(exc), "traceback": traceback.format_exc()}
            status, headers, body = _render(answer)
            self.record(req, provider, facts, status, headers, body)
            replies.write_json_atomically(self.dir / "members.json",
                                          {k: sorted(v) for k, v in self.members.items()})
        return answer, status, headers, body

    def record(self, req, provider, facts, status, headers, body):
        record = {"t": time.time(), "provider": provider, "method": req.method, "path": req.target,
                  "headers": dict(req.headers), "body_bytes": len(req.body), "problems": []}
        record |= {k: v for k, v in facts.items() if v is not None}
        record["reply"] = {"status": status, "headers": dict(headers), "body": body.decode("utf-8", "replace")}
        self.log.write(json.dumps(record) + "\n")

    def apply(self, audiences, action, keys):
        for audience in audiences:
            members = self.members.setdefault(audience, set())
            if action == "add":
                members.update(keys)
            else:
                members.difference_update(keys)

    def scripted(self, provider, keys, credential, facts):
        answer = self.rules.next(provider, keys, credential)
        if answer is not None:
            facts["scripted"] = answer["reply"]
        return answer or {"reply": "ok"}

    # --- Meta -------------------------------------------------------------------------------------------------

    def meta(self, req):
        args = self.args
        version, audience = META_PATH.match(req.path).groups()
        facts = {"audience": audience, "version": version}
        usage = [("x-business-use-case-usage", replies.meta_usage(args.meta_ad_account))]

        def error(code, message, subcode=None, status=400):
            return Reject(replies.meta_error(status, code, message, subcode, usage), message)

        try:
            if version != args.meta_version:
                raise error(2635, "(#2635) You are calling a deprecated version of the Ads API. Please update to "
                                  f"the latest version: {args.meta_version}.")
            if req.method not in ("POST", "DELETE"):
                raise error(100, "(#100) Unsupported method: POST adds users, DELETE removes them")
            if len(req.body) > args.meta_max_body:
                raise Reject(_html(413, "Request Entity Too Large"),
                             f"body of {len(req.body)} bytes over --meta-max-body {args.meta_max_body}")
            form = self._meta_form(req, error)
            action = "remove" if req.method == "DELETE" or form.get("method", "").upper() == "DELETE" else "add"
            facts["action"] = action
            token = form.get("access_token") or _first(req.query.get("access_token", [])) or req.bearer()
            if not token:
                raise error(104, "An access token is required to request this resource.")
            if token != args.meta_token:
                raise error(190, "Invalid OAuth access token - Cannot parse access token")
            if not audience.isdigit():
                raise error(100, f"Unsupported post request. Object with ID '{audience}' does not exist, cannot be "
                                 "loaded due to missing permissions, or does not support this operation.", 33)
            schema, data = self._meta_payload(form, error)
            facts |= {"schema": schema, "count": len(data)}
            session = self._meta_session(form, error)
            facts["session"] = session
        except Reject as reject:
            facts["problems"] = [reject.problem]
            return reject.answer, facts

        rows = [dict(zip(schema, row)) for row in data]
        keys = [_meta_key(row) for row in rows]
        facts |= {"rows": rows, "keys": keys}
        answer = self.scripted("meta", [audience], token, facts)
        if answer["reply"] not in ("ok", "partial"):
            return replies.meta_scripted(answer, args.meta_ad_account) | _passthrough(answer), facts
        reasons = replies.invalid_reasons(answer, "Invalid hash") if answer["reply"] == "partial" else {}
        samples, invalid = {}, []
        for i, row in enumerate(rows):
            hit = _first(v for v in row.values() if v in reasons)
            reason = reasons[hit] if hit else None if keys[i] else "No identifier in the row"
            if reason:
                samples[_meta_sample_key(row, i)] = reason
                invalid.append(i)
        facts["invalid"] = [keys[i] or f"row:{i}" for i in invalid]
        self.apply([audience], action, [k for i, k in enumerate(keys) if i not in invalid])
        body = {"audience_id": audience,
                "session_id": str(session["session_id"]) if session else str(secrets.randbelow(10**18)),
                "num_received": len(rows), "num_invalid_entries": len(invalid), "invalid_entry_samples": samples}
        headers = [("content-type", "application/json; charset=UTF-8"),
                   ("x-business-use-case-usage", replies.meta_usage(args.meta_ad_account,
                                                                    **answer.get("usage", {})))]
        return {"status": 200, "headers": headers, "json": body} | _passthrough(answer), facts

    @staticmethod
    def _meta_form(req, error):
        ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise error(100, "(#100) Send the parameters form-encoded (application/x-www-form-urlencoded)")
        try:
            pairs = urllib.parse.parse_qsl(req.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise error(100, "(#100) The body is not UTF-8") from None
        names = [k for k, _ in pairs]
        repeated = sorted({k for k in names if names.count(k) > 1})
        if repeated:
            raise error(100, f"(#100) Parameter given more than once: {', '.join(repeated)}")
        return dict(pairs)

    def _meta_payload(self, form, error):
        if "payload" not in form:
            raise error(100, "(#100) The parameter payload is required")
        try:
            payload = json.loads(form["payload"])
        except ValueError:
            raise error(100, "(#100) Param payload must be a JSON object") from None
        if not isinstance(payload, dict):
            raise error(100, "(#100) Param payload must be a JSON object")
        schema, data = payload.get("schema"), payload.get("data")
        if isinstance(schema, str) and schema in META_SINGLE and isinstance(data, list):
            schema, data = [META_SINGLE[schema]], [[v] for v in data]
        if not isinstance(schema, list) or not schema or not all(isinstance(k, str) for k in schema):
            raise error(100, "(#100) payload.schema must be a non-empty list of keys")
        unknown = [k for k in schema if k not in META_KEYS]
        if unknown:
            raise error(100, f"(#100) Invalid schema field: {unknown[0]} (one of {', '.join(META_KEYS)})")
        repeated = sorted({k for k in schema if schema.count(k) > 1})
        if repeated:
            raise error(100, f"(#100) Duplicate schema field: {repeated[0]}")
        if not isinstance(data, list) or not data:
            raise error(100, "(#100) payload.data must be a non-empty list of rows")
        if len(data) > self.args.meta_max_rows:
            raise error(100, f"(#100) Too many users in one request: {len(data)}; at most "
                             f"{self.args.meta_max_rows}")
        for i, row in enumerate(data):
            if not isinstance(row, list) or len(row) != len(schema):
                size = len(row) if isinstance(row, list) else "no list of"
                raise error(100, f"(#100) Row {i} has {size} values; the schema has {len(schema)}")
            for key, value in zip(schema, row):
                if not isinstance(value, str):
                    raise error(100, f"(#100) Row {i}, {key}: values must be strings")
                if key != "EXTERN_ID" and value and not HEX64.match(value):
                    raise error(100, f"(#100) Invalid hash in row {i} for {key}: send the SHA-256 of the "
                                     "normalised value as 64 lowercase hex digits, never the raw value")
        return schema, data

    @staticmethod
    def _meta_session(form, error):
        if "session" not in form:
            return None
        try:
            session = json.loads(form["session"])
        except ValueError:
            session = None
        ok = (isinstance(session, dict) and _is_int(session.get("session_id")) and session["session_id"] > 0
              and _is_int(session.get("batch_seq")) and session["batch_seq"] >= 1
              and isinstance(session.get("last_batch_flag"), bool)
              and _is_int(session.get("estimated_num_total", 0)))
        if not ok:
            raise error(100, "(#100) Invalid session: {session_id: int > 0, batch_seq: int >= 1, "
                             "last_batch_flag: bool[, estimated_num_total: int]}")
        return session

    # --- Google Data Manager ----------------------------------------------------------------------------------

    def google(self, req):
        method = GOOGLE_PATH.match(req.path)[1]
        action = {"ingest": "add", "remove": "remove"}[method]
        facts = {"action": action}
        token = req.bearer()
        try:
            if req.method != "POST":
                raise Reject(replies.google_error("not_found"), f"{req.method} is not POST")
            state = self.oauth.token_state(token)
            if state != "ok":
                message = ("Request is missing required authentication credential. Expected OAuth 2 access token."
                           if state == "CREDENTIALS_MISSING" else None)
                raise Reject(replies.google_error("auth", message, reason=state), state)
            try:
                body = json.loads(req.body)
            except ValueError as exc:
                raise Reject(replies.google_violations([("", f"Invalid JSON payload received. {exc}")],
                                                       "Invalid JSON payload received."), "body is not JSON")
            if not isinstance(body, dict):
                raise Reject(replies.google_violations([("", "Invalid JSON payload received. Expected an object.")]),
                             "body is not a JSON object")
            destinations = self._google_destinations(body)
            facts |= {"destinations": body.get("destinations"), "audiences": destinations,
                      "audience": destinations[0] if destinations else None,
                      "consent": body.get("consent"), "validate_only": body.get("validateOnly", False),
                      "encoding": body.get("encoding")}
            violations = self._google_violations(method, body)
            members = body.get("audienceMembers") if isinstance(body.get("audienceMembers"), list) else []
            facts["count"] = len(members)
            if violations:
                raise Reject(replies.google_violations(violations[:20]),
                             "; ".join(f"{field}: {why}" for field, why in violations[:20]))
            allowed = self.args.google_account
            for destination in body["destinations"]:
                account = destination["operatingAccount"]["accountId"]
                if allowed and account not in allowed:
                    raise Reject(replies.google_error("permission", "The caller does not have permission to "
                                                      f"access operating account {account}.",
                                                      reason="PERMISSION_DENIED"), f"account {account} not allowed")
        except Reject as reject:
            facts["problems"] = [reject.problem]
            return reject.answer, facts

        identifiers = [m["userData"]["userIdentifiers"] for m in members]
        keys = [_google_key(ids) for ids in identifiers]
        facts |= {"members": members, "keys": keys}
        answer = self.scripted("google", destinations, token, facts)
        if answer["reply"] not in ("ok", "partial"):
            return replies.google_scripted(answer) | _passthrough(answer), facts
        reasons = replies.invalid_reasons(answer, "Invalid user identifier") if answer["reply"] == "partial" else {}
        invalid = []
        for i, ids in enumerate(identifiers):
            hit = _first(v for v in _google_values(ids) if v in reasons)
            if hit:
                invalid.append((i, reasons[hit]))
        bad = {i for i, _ in invalid}
        facts["invalid"] = [keys[i] for i in sorted(bad)]
        if not body.get("validateOnly"):
            self.apply(destinations, action, [k for i, k in enumerate(keys) if i not in bad])
        reply = {"requestId": str(uuid.uuid4())}
        if invalid:
            reply["partialFailureError"] = replies.google_partial(invalid)
        return {"status": 200, "headers": [("content-type", "application/json; charset=UTF-8")],
                "json": reply} | _passthrough(answer), facts

    @staticmethod
    def _google_destinations(body):
        destinations = body.get("destinations")
        if not isinstance(destinations, list):
            return []
        return [d["productDestinationId"] for d in destinations
                if isinstance(d, dict) and isinstance(d.get("productDestinationId"), str)]

    def _google_violations(self, method, body):
        """[(field path, description)] for every schema problem of an ingest or remove request."""
        out = [(name, f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.')
               for name in sorted(set(body) - GOOGLE_FIELDS[method])]
        if "encryptionInfo" in body:
            out.append(("encryptionInfo", "the peer takes hashed identifiers only, not encrypted ones"))
        if body.get("encoding") != "HEX":
            out.append(("encoding", f"must be HEX, got {body.get('encoding')!r}"))
        if not isinstance(body.get("validateOnly", False), bool):
            out.append(("validateOnly", "must be a boolean"))
        destinations = body.get("destinations")
        if not isinstance(destinations, list) or not 1 <= len(destinations) <= 10:
            out.append(("destinations", "between 1 and 10 destinations are required"))
        else:
            for i, d in enumerate(destinations):
                out += _destination_violations(f"destinations[{i}]", d)
        members = body.get("audienceMembers")
        if not isinstance(members, list) or not members:
            out.append(("audienceMembers", "at least one audience member is required"))
            members = []
        elif len(members) > self.args.google_max_members:
            out.append(("audienceMembers", f"at most {self.args.google_max_members} audience members per "
                                           f"request; got {len(members)}"))
            members = []
        for i, member in enumerate(members):
            out += _member_violations(f"audienceMembers[{i}]", member)
        if method == "ingest":
            if "consent" in body:
                out += _consent_violations("consent", body["consent"])
            elif not all(isinstance(m, dict) and "consent" in m for m in members):
                out.append(("consent", "consent is required, on the request or on every audience member"))
            terms = body.get("termsOfService")
            if terms is not None and (not isinstance(terms, dict) or set(terms) != {
                    "customerMatchTermsOfServiceStatus"} or terms["customerMatchTermsOfServiceStatus"] not in (
                    "ACCEPTED", "REJECTED")):
                out.append(("termsOfService", "{customerMatchTermsOfServiceStatus: ACCEPTED|REJECTED}"))
        return out

    # --- generic (Standard Webhooks) --------------------------------------------------------------------------

    def generic(self, req):
        facts = {"webhook_id": req.header("webhook-id"), "webhook_timestamp": req.header("webhook-timestamp")}
        try:
            if req.method != "POST":
                raise Reject({"status": 405, "headers": [("allow", "POST")], "json": {
                    "error": "method", "message": "POST only"}}, f"{req.method} is not POST")
            if self.webhook is None:
                raise Reject(replies.generic_error("auth", "no --generic-secret configured"), "no secret")
            try:
                self.webhook.verify(req.body.decode("utf-8"), dict(req.headers))
            except Exception as exc:  # WebhookVerificationError, or a malformed header or body the library trips on
                raise Reject(replies.generic_error("auth", f"signature: {exc}"), f"signature: {exc}") from None
            body = _generic_body(req.body, self.args.generic_max_members)
        except Reject as reject:
            facts["problems"] = [reject.problem]
            return reject.answer, facts

        audience, action, members = body["audience"], body["action"], body["members"]
        keys = [_generic_key(m["identifiers"]) for m in members]
        facts |= {"audience": audience, "action": action, "count": len(members), "members": members, "keys": keys,
                  "ids": [m["id"] for m in members]}
        answer = self.scripted("generic", [audience], None, facts)
        if answer["reply"] not in ("ok", "partial"):
            reply = replies.generic_scripted(answer)
            return reply | _passthrough(answer), facts
        reasons = replies.invalid_reasons(answer) if answer["reply"] == "partial" else {}
        invalid = []
        for i, member in enumerate(members):
            hit = _first(v for v in [member["id"], *member["identifiers"].values()] if v in reasons)
            if hit:
                invalid.append({"id": member["id"], "reason": reasons[hit]})
            elif not keys[i]:
                invalid.append({"id": member["id"], "reason": "no identifier"})
        bad = {entry["id"] for entry in invalid}
        facts["invalid"] = [keys[i] or members[i]["id"] for i, m in enumerate(members) if m["id"] in bad]
        self.apply([audience], action, [k for k, m in zip(keys, members) if k and m["id"] not in bad])
        return {"status": 200, "headers": [("content-type", "application/json")],
                "json": {"invalid": invalid}} | _passthrough(answer), facts


# --- checks and keys that need no state ---------------------------------------------------------------------------

def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _meta_key(row):
    """The membership key of a Meta row: EMAIL, else PHONE, else EXTERN_ID, else the first other hashed value."""
    return row.get("EMAIL") or row.get("PHONE") or row.get("EXTERN_ID") or _first(
        v for k, v in row.items() if k != "EXTERN_ID")


def _meta_sample_key(row, index):
    """The invalid_entry_samples key: the first non-empty hashed value in schema order, else EXTERN_ID."""
    return _first(v for k, v in row.items() if k != "EXTERN_ID") or row.get("EXTERN_ID") or f"row:{index}"


def _google_values(identifiers):
    for identifier in identifiers:
        for name, value in identifier.items():
            if name == "address":
                yield from value.values()
            else:
                yield value


def _google_key(identifiers):
    email = _first(i.get("emailAddress") for i in identifiers)
    phone = _first(i.get("phoneNumber") for i in identifiers)
    address = _first(i.get("address") for i in identifiers)
    if email or phone:
        return email or phone
    return "address:" + ":".join(address[k] for k in ("givenName", "familyName", "regionCode", "postalCode"))


def _destination_violations(path, d):
    if not isinstance(d, dict):
        return [(path, "must be an object")]
    out = [(f"{path}.{k}", "Cannot find field.") for k in sorted(set(d) - DESTINATION_FIELDS)]
    account = d.get("operatingAccount")
    if not isinstance(account, dict) or account.get("accountType") not in ACCOUNT_TYPES:
        out.append((f"{path}.operatingAccount.accountType", f"one of {', '.join(sorted(ACCOUNT_TYPES))}"))
    if not isinstance(account, dict) or not str(account.get("accountId", "")).isdigit() or not isinstance(
            account.get("accountId"), str):
        out.append((f"{path}.operatingAccount.accountId", "the account id as a string of digits, no dashes"))
    if not isinstance(d.get("productDestinationId"), str) or not d["productDestinationId"]:
        out.append((f"{path}.productDestinationId", "the user list id is required"))
    return out


def _member_violations(path, member):
    if not isinstance(member, dict):
        return [(path, "must be an object")]
    out = [(f"{path}.{k}", "Cannot find field (the peer takes userData members only).")
           for k in sorted(set(member) - {"userData", "consent"})]
    if "consent" in member:
        out += _consent_violations(f"{path}.consent", member["consent"])
    data = member.get("userData")
    ids = data.get("userIdentifiers") if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) != {"userIdentifiers"} or not isinstance(ids, list):
        return out + [(f"{path}.userData", "{userIdentifiers: [...]} is required")]
    if not 1 <= len(ids) <= 10:
        return out + [(f"{path}.userData.userIdentifiers", f"between 1 and 10 identifiers per member; got {len(ids)}")]
    for j, identifier in enumerate(ids):
        out += _identifier_violations(f"{path}.userData.userIdentifiers[{j}]", identifier)
    return out


def _identifier_violations(path, identifier):
    if not isinstance(identifier, dict) or len(identifier) != 1:
        return [(path, "exactly one of emailAddress, phoneNumber, address")]
    (name, value), = identifier.items()
    if name in ("emailAddress", "phoneNumber"):
        ok = isinstance(value, str) and HEX64.match(value)
        return [] if ok else [(f"{path}.{name}", "the SHA-256 of the normalised value as 64 lowercase hex digits")]
    if name != "address":
        return [(f"{path}.{name}", "Cannot find field.")]
    if not isinstance(value, dict) or set(value) != {"givenName", "familyName", "regionCode", "postalCode"}:
        return [(f"{path}.address", "givenName, familyName, regionCode and postalCode, nothing else")]
    out = [(f"{path}.address.{k}", "the SHA-256 of the normalised value as 64 lowercase hex digits")
           for k in ("givenName", "familyName") if not isinstance(value[k], str) or not HEX64.match(value[k])]
    if not isinstance(value["regionCode"], str) or not re.fullmatch(r"[A-Z]{2}", value["regionCode"]):
        out.append((f"{path}.address.regionCode", "ISO 3166-1 alpha-2, upper case, unhashed"))
    postal = value["postalCode"]
    if not isinstance(postal, str) or not postal.strip() or HEX64.match(postal):
        out.append((f"{path}.address.postalCode", "the postal code unhashed"))
    return out


def _consent_violations(path, consent):
    if not isinstance(consent, dict) or set(consent) != {"adUserData", "adPersonalization"} or not all(
            v in CONSENT for v in consent.values()):
        return [(path, "{adUserData, adPersonalization}: CONSENT_GRANTED or CONSENT_DENIED")]
    return []


def _generic_body(raw, max_members):
    def bad(message):
        return Reject(replies.generic_error("bad_request", message), message)

    try:
        body = json.loads(raw)
    except ValueError:
        raise bad("the body is not JSON") from None
    if not isinstance(body, dict) or set(body) != {"audience", "action", "members"}:
        raise bad("the body is {audience, action, members}")
    if not isinstance(body["audience"], str) or not body["audience"]:
        raise bad("audience must be a non-empty string")
    if body["action"] not in ("add", "remove"):
        raise bad("action must be add or remove")
    members = body["members"]
    if not isinstance(members, list) or not 1 <= len(members) <= max_members:
        raise bad(f"members must be a list of 1 to {max_members}")
    for i, m in enumerate(members):
        if not isinstance(m, dict) or set(m) != {"id", "identifiers"} or not isinstance(m["id"], str) or not m["id"]:
            raise bad(f"members[{i}] must be {{id: non-empty string, identifiers: {{...}}}}")
        ids = m["identifiers"]
        if not isinstance(ids, dict) or not all(isinstance(v, str) for v in ids.values()):
            raise bad(f"members[{i}].identifiers must be an object of strings")
        for name, value in ids.items():
            if name not in GENERIC_HASHED and name != "external_id":
                raise bad(f"members[{i}].identifiers.{name}: unknown identifier")
            if name != "external_id" and value and not HEX64.match(value):
                raise bad(f"members[{i}].identifiers.{name}: not a SHA-256 in 64 lowercase hex digits")
    return body


def _generic_key(ids):
    return ids.get("email") or ids.get("phone") or ids.get("external_id") or _first(
        ids.get(k) for k in GENERIC_HASHED)


def _html(status, title):
    return {"status": status, "headers": [("content-type", "text/html")],
            "body": f"<html><head><title>{status} {title}</title></head><body><h1>{title}</h1></body></html>".encode()}


def _render(answer):
    body = json.dumps(answer["json"]).encode() if "json" in answer else answer.get("body", b"")
    headers = list(answer.get("headers", []))
    if answer.get("retry_after") is not None:
        headers.append(("retry-after", str(answer["retry_after"])))
    return answer["status"], headers, body


# --- HTTP ---------------------------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HeraldAudiencePeer/1"
    timeout = 30

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                self.rfile = _Empty()

    def do_POST(self):
        body, oversize = self._read_body()
        req = Request(self.command, self.path, self.headers.items(), body, oversize)
        answer, status, headers, body = self.server.peer.handle(req)
        delay = answer.get("delay_ms", self.server.peer.args.delay_ms)
        if delay:
            time.sleep(float(delay) / 1000)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        if oversize:
            self.send_header("connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    do_DELETE = do_GET = do_PUT = do_PATCH = do_POST

    def _read_body(self):
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks, size = [], 0
            while True:
                length = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks), False
                size += length
                if size > BODY_CAP:
                    return b"", True
                chunks.append(self.rfile.read(length))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length > BODY_CAP:
            return b"", True
        return self.rfile.read(length), False

    def log_message(self, format, *args):
        pass


class _Empty:
    def readline(self, *_):
        return b""

    def close(self):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        print(f"audience peer: error serving {client_address}: {traceback.format_exc(limit=3)}", file=sys.stderr,
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="requests.jsonl, members.json, rules.json, port")
    parser.add_argument("--port", type=int, default=0, help="listen here on 127.0.0.1 (0: any free port)")
    parser.add_argument("--tls", action="store_true", help="HTTPS; the CA and certificate are made in DIR "
                                                           "(ca.pem) unless --tls-cert/--tls-key are given")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--meta-version", default="v25.0", help="the Graph API version accepted in the path")
    parser.add_argument("--meta-token", default="herald-meta-test-token", help="the access token accepted")
    parser.add_argument("--meta-max-rows", type=int, default=10000)
    parser.add_argument("--meta-max-body", type=int, default=65536, help="bytes; a larger body gets HTTP 413")
    parser.add_argument("--meta-ad-account", default="1234567890", help="the key of X-Business-Use-Case-Usage")
    parser.add_argument("--google-public-key", help="the service account's public key (PEM)")
    parser.add_argument("--google-client-email", help="the service account's client_email (assertion iss)")
    parser.add_argument("--google-token-lifetime", type=int, default=3599, help="expires_in of access tokens")
    parser.add_argument("--google-account", action="append", help="an operating account id allowed (repeatable; "
                                                                   "default any): others get 403")
    parser.add_argument("--google-max-members", type=int, default=10000)
    parser.add_argument("--generic-secret", help="the Standard Webhooks secret, whsec_<base64>")
    parser.add_argument("--generic-max-members", type=int, default=10000)
    parser.add_argument("--delay-ms", type=float, default=0, help="delay before every reply")
    parser.add_argument("--lifetime", type=float, default=900, help="exit after this many seconds")
    args = parser.parse_args()

    server = Server(("127.0.0.1", args.port), Handler)
    scheme = "http"
    if args.tls:
        cert, key = args.tls_cert, args.tls_key
        if not (cert and key):
            _, cert, key = make_ca_and_server(Path(args.dir), ca_name="Herald Audience Test CA")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols(["http/1.1"])
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    port = server.server_address[1]
    server.peer = Peer(args, f"{scheme}://127.0.0.1:{port}")
    (Path(args.dir) / "port").write_text(f"{port}\n")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(port, flush=True)
    time.sleep(args.lifetime)
    server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
