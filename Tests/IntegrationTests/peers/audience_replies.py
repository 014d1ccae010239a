"""The audience peer's reply tables (PROTOCOLS.md §6.1, §6.3, §5) and its rules file. It only builds replies:
audience_server.py decides when a request has passed its checks and asks for the scripted one. An answer is a dict
{status, headers: [(name, value)], json | body, retry_after, delay_ms}.

Reply names (the rules file's "reply"; "ok" is the normal answer):
    ok, partial, rate_limit, auth, permission, server_error, unavailable, bad_request   every provider
    audience_blocked                                                                     Meta only (100/1713230)
Meta answers may override `code`, `error_subcode`, `message`, `status`; a Meta "rate_limit" takes `code` one of
80003 (default), 17, 4, 613 and `regain_minutes` (default 1); any Meta answer may carry `usage` (fields of the
X-Business-Use-Case-Usage entry). A Google "rate_limit" takes `quota_limit`. Every answer may carry `retry_after`
(a Retry-After header; null drops a default one) and `delay_ms`.
"""
import json
import os
import re
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import push_replies  # noqa: E402

HEX64 = re.compile(r"^[0-9a-f]{64}$")

# --- Meta (Graph API errors) --------------------------------------------------------------------------------------

# name -> (HTTP status, code, error_subcode or None, message)
META = {
    "auth": (400, 190, 463, "Error validating access token: Session has expired."),
    "permission": (400, 200, None, "(#200) Requires ads_management permission to manage the object"),
    "server_error": (500, 1, None, "An unknown error occurred"),
    "unavailable": (503, 2, None, "Service temporarily unavailable"),
    "bad_request": (400, 100, None, "(#100) Invalid parameter"),
    "audience_blocked": (400, 100, 1713230, "Audience Upload Blocked: this audience was flagged and cannot be "
                                            "edited"),
}
# rate-limit code -> (error_subcode or None, message)
META_RATE = {
    80003: (None, "(#80003) There have been too many calls to this ad-account. Wait a bit and try again."),
    17: (2446079, "(#17) User request limit reached"),
    4: (None, "(#4) Application request limit reached"),
    613: (1487742, "(#613) There have been too many calls from this ad-account. Please wait a bit and try again."),
}


def fbtrace_id():
    return "A" + secrets.token_urlsafe(16)[:22]


def meta_usage(ad_account, call_count=1, total_cputime=1, total_time=1, regain_minutes=0, **_):
    """The X-Business-Use-Case-Usage header value: {"<ad account id>": [{type, call_count, …}]}."""
    return json.dumps({ad_account: [{"type": "custom_audience", "call_count": call_count,
                                     "total_cputime": total_cputime, "total_time": total_time,
                                     "estimated_time_to_regain_access": regain_minutes}]})


def meta_error(status, code, message, subcode=None, headers=()):
    """A Graph API error reply: {"error": {message, type, code, error_subcode, fbtrace_id}}."""
    error = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = fbtrace_id()
    headers = [("content-type", "application/json; charset=UTF-8")] + list(headers)
    if code in (190, 102, 104):
        headers.append(("www-authenticate", f'OAuth "Facebook Platform" "invalid_token" "{message}"'))
    return {"status": status, "headers": headers, "json": {"error": error}}


def meta_scripted(answer, ad_account):
    """The error reply a rules answer names (not ok/partial)."""
    name = answer["reply"]
    usage = meta_usage(ad_account, **answer.get("usage", {}))  # a normal usage report unless rate limited
    if name == "rate_limit":
        code = int(answer.get("code", 80003))
        subcode, message = META_RATE.get(code, (None, f"(#{code}) Rate limited"))
        regain = int(answer.get("regain_minutes", 1))
        usage = meta_usage(ad_account, **({"call_count": 100, "total_cputime": 10, "total_time": 10,
                                           "regain_minutes": regain} | answer.get("usage", {})))
        status = 400
    elif name in META:
        status, code, subcode, message = META[name]
    else:
        raise ValueError(f"no Meta reply named {name!r}")
    reply = meta_error(int(answer.get("status", status)), int(answer.get("code", code)),
                       answer.get("message", message), answer.get("error_subcode", subcode),
                       [("x-business-use-case-usage", usage)])
    return reply


# --- Google (google.rpc.Status in JSON) ---------------------------------------------------------------------------

# name -> (HTTP status, RPC status, message)
GOOGLE = {
    "bad_request": (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    "auth": (401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access "
                                     "token, login cookie or other valid authentication credential."),
    "permission": (403, "PERMISSION_DENIED", "The caller does not have permission"),
    "rate_limit": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Ingest requests' and limit "
                                              "'{quota_limit}' of service 'datamanager.googleapis.com'."),
    "server_error": (500, "INTERNAL", "Internal error encountered."),
    "unavailable": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "not_found": (404, "NOT_FOUND", "The requested URL was not found on this server."),
}
RPC_CODES = {"INVALID_ARGUMENT": 3, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "INTERNAL": 13,
             "UNAVAILABLE": 14, "UNAUTHENTICATED": 16, "NOT_FOUND": 5}
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


def google_error(name, message=None, details=None, reason=None, quota_limit="IngestRequestsPerMinutePerProject"):
    """A Google RPC error reply {"error": {code, message, status, details}}; `details` a list of detail dicts, or
    `reason` for an ErrorInfo (429 always carries ErrorInfo with metadata.quota_limit)."""
    status, rpc, default = GOOGLE[name]
    error = {"code": status, "message": (message or default).format(quota_limit=quota_limit), "status": rpc}
    details = list(details or [])
    if name == "rate_limit":
        details.append({"@type": ERROR_INFO, "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com",
                        "metadata": {"quota_limit": quota_limit, "quota_metric": "datamanager.googleapis.com/"
                                     "ingest_requests", "service": "datamanager.googleapis.com",
                                     "consumer": "projects/herald-audience"}})
    elif reason:
        details.append({"@type": ERROR_INFO, "reason": reason, "domain": "googleapis.com",
                        "metadata": {"service": "datamanager.googleapis.com"}})
    if details:
        error["details"] = details
    headers = [("content-type", "application/json; charset=UTF-8")]
    if status == 401:
        headers.append(("www-authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"'))
    return {"status": status, "headers": headers, "json": {"error": error}}


def google_violations(violations, message="Request contains an invalid argument."):
    """400 INVALID_ARGUMENT with a google.rpc.BadRequest: violations are (field path, description)."""
    return google_error("bad_request", message, [{"@type": BAD_REQUEST, "fieldViolations": [
        {"field": field, "description": description} for field, description in violations]}])


def google_scripted(answer):
    name = answer["reply"]
    if name not in GOOGLE or name == "not_found":
        raise ValueError(f"no Google reply named {name!r}")
    reason = {"auth": "ACCESS_TOKEN_EXPIRED", "permission": "PERMISSION_DENIED"}.get(name)
    return google_error(name, answer.get("message"), reason=reason,
                        quota_limit=answer.get("quota_limit", "IngestRequestsPerMinutePerProject"))


def google_partial(invalid):
    """The partial-failure member of a 200 reply: a google.rpc.Status (code 3) whose BadRequest names each invalid
    member by its index in the request, `audienceMembers[<i>]`. `invalid` is [(index, reason)]."""
    return {"code": RPC_CODES["INVALID_ARGUMENT"],
            "message": f"{len(invalid)} audience member(s) were not ingested.",
            "details": [{"@type": BAD_REQUEST, "fieldViolations": [
                {"field": f"audienceMembers[{i}]", "description": reason, "reason": "INVALID_USER_IDENTIFIER"}
                for i, reason in invalid]}]}


# --- generic (a Standard Webhooks receiver) -----------------------------------------------------------------------

# name -> (HTTP status, message, default Retry-After)
GENERIC = {
    "bad_request": (400, "bad request", None),
    "auth": (401, "signature or credentials rejected", None),
    "permission": (403, "not allowed to edit this audience", None),
    "rate_limit": (429, "too many requests", "1"),
    "server_error": (500, "internal error", None),
    "unavailable": (503, "unavailable", None),
}


def generic_error(name, message=None):
    status, default, retry_after = GENERIC[name]
    return {"status": status, "headers": [("content-type", "application/json")],
            "json": {"error": name, "message": message or default}, "retry_after": retry_after}


def generic_scripted(answer):
    if answer["reply"] not in GENERIC:
        raise ValueError(f"no generic reply named {answer['reply']!r}")
    return generic_error(answer["reply"], answer.get("message"))


# --- the rules file -----------------------------------------------------------------------------------------------

def invalid_reasons(answer, default="Invalid entry"):
    """A "partial" answer's `invalid` as {hash or message id: reason}: a list gets the default reason."""
    invalid = answer.get("invalid", [])
    if isinstance(invalid, dict):
        return {str(k): str(v) for k, v in invalid.items()}
    return {str(k): answer.get("reason", default) for k in invalid}


# DIR/rules.json: {"meta"|"google"|"oauth"|"generic": {"<audience id>|*": [answer, …]}}, read and consumed as
# push_replies.Rules does (the audience's own list before "*"; `sticky` answers are never consumed).
Rules = push_replies.Rules


def write_json_atomically(path, value):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(value, indent=1, sort_keys=True))
    os.replace(tmp, path)

