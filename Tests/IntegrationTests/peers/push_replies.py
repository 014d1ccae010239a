"""The push peer's reply tables (PROTOCOLS.md §2.4, §3.3, §4.2) and how a request picks one: by its token or
subscription id (`apns-<Reason>…`, `fcm-<ERROR_CODE>…`, `wp-<status>…`) or by the rules file. It only builds
replies; push_server.py decides when a request has passed its checks and asks for the scripted one.
"""
import json
import os
import re
import threading
import time

# APNs: reason -> status (body {"reason": …}; 410 adds "timestamp" in milliseconds).
APNS = {
    "BadCollapseId": 400, "BadDeviceToken": 400, "BadExpirationDate": 400, "BadMessageId": 400, "BadPriority": 400,
    "BadTopic": 400, "DeviceTokenNotForTopic": 400, "DuplicateHeaders": 400, "IdleTimeout": 400,
    "InvalidPushType": 400, "MissingDeviceToken": 400, "MissingTopic": 400, "PayloadEmpty": 400,
    "TopicDisallowed": 400, "BadCertificate": 403, "BadCertificateEnvironment": 403, "ExpiredProviderToken": 403,
    "Forbidden": 403, "InvalidProviderToken": 403, "MissingProviderToken": 403, "BadPath": 404,
    "MethodNotAllowed": 405, "ExpiredToken": 410, "Unregistered": 410, "PayloadTooLarge": 413,
    "TooManyProviderTokenUpdates": 429, "TooManyRequests": 429, "InternalServerError": 500,
    "ServiceUnavailable": 503, "Shutdown": 503,
}

_FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
# FCM: name -> (HTTP status, google.rpc status, message, FcmError errorCode or None, default Retry-After).
FCM = {
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED", None),
    "INVALID_TOKEN": (400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token",
                      "INVALID_ARGUMENT", None),
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "Invalid value at 'message.data[0].value' (TYPE_STRING), 12",
                         "INVALID_ARGUMENT", None),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH", None),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send messages' and limit "
                       "'Send messages per minute' of service 'fcm.googleapis.com'.", "QUOTA_EXCEEDED", "1"),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE", None),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered.", "INTERNAL", None),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service",
                               "THIRD_PARTY_AUTH_ERROR", None),
    "UNAUTHENTICATED": (401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 "
                        "access token, login cookie or other valid authentication credential. See "
                        "https://developers.google.com/identity/sign-in/web/devconsole-project.", None, None),
    "PERMISSION_DENIED": (403, "PERMISSION_DENIED", "Permission 'cloudmessaging.messages.create' denied on resource "
                          "'//cloudresourcemanager.googleapis.com/projects/{project}' (or it may not exist).", None,
                          None),
}

# Google's OAuth token endpoint: name -> (status, body).
OAUTH = {
    "invalid_grant": (400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
    "invalid_scope": (400, {"error": "invalid_scope", "error_description": "Invalid OAuth scope or ID token audience "
                            "provided."}),
    "unsupported_grant_type": (400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}),
    "invalid_client": (401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}),
    "internal_failure": (500, {"error": "internal_failure", "error_description": "Backend Error"}),
    "unavailable": (503, {"error": "temporarily_unavailable", "error_description": "Try again later"}),
}

# Web Push: status -> (autopush errno, error, message, default Retry-After).
WEBPUSH = {
    400: (110, "Bad Request", "Invalid request", None), 401: (109, "Unauthorized", "Missing VAPID credentials", None),
    403: (109, "Forbidden", "Invalid VAPID credentials", None), 404: (102, "Not Found", "Request did not validate "
                                                                       "No such subscription", None),
    410: (106, "Gone", "Subscription is no longer valid", None), 413: (104, "Payload Too Large", "Payload too large",
                                                                      None),
    429: (None, "Too Many Requests", "Rate limited", "1"), 500: (999, "Internal Server Error", "Internal error", None),
    502: (999, "Bad Gateway", "Bad gateway", None), 503: (201, "Service Unavailable", "Service unavailable", None),
}


def apns(reason, apns_id):
    body = {"reason": reason}
    if APNS[reason] == 410:
        body["timestamp"] = int(time.time() * 1000) - 3_600_000
    return {"status": APNS[reason], "headers": [("apns-id", apns_id)], "json": body}


def fcm(name, project="herald-test", token=None):
    status, rpc_status, message, error_code, retry_after = FCM[name]
    error = {"code": status, "message": message.format(project=project), "status": rpc_status}
    details = []
    if error_code:
        details.append({"@type": _FCM_ERROR, "errorCode": error_code})
    if name == "INVALID_TOKEN":
        details.append({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
            {"field": "message.token", "description": "Invalid registration token"}]})
    if name == "INVALID_ARGUMENT":
        details.append({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
            {"field": "message.data[0].value", "description": "Invalid value at 'message.data[0].value' "
                                                              "(TYPE_STRING), 12"}]})
    if name == "QUOTA_EXCEEDED":
        details.append({"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"subject": f"projects/{project}", "description": "Per project quota exceeded"}]})
    if name == "PERMISSION_DENIED":
        details.append({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED",
                        "domain": "cloudresourcemanager.googleapis.com",
                        "metadata": {"permission": "cloudmessaging.messages.create"}})
    if details:
        error["details"] = details
    headers = [("content-type", "application/json; charset=UTF-8")]
    if status == 401:
        headers.append(("www-authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"'))
    return {"status": status, "headers": headers, "json": {"error": error}, "retry_after": retry_after}


def oauth(name):
    status, body = OAUTH[name]
    return {"status": status, "headers": [("content-type", "application/json; charset=utf-8")], "json": body}


def webpush(status):
    errno, error, message, retry_after = WEBPUSH[status]
    body = {"code": status, "errno": errno, "error": error, "message": message,
            "more_info": "http://autopush.readthedocs.io/en/latest/http.html#error-codes"}
    return {"status": status, "headers": [("content-type", "application/json")], "json": body,
            "retry_after": retry_after}


_TOKEN = re.compile(r"^(apns|fcm|wp)-([A-Za-z_]+|\d{3})(?:-(ra\d+|nora))?(?:-|$)")


def from_token(provider, token):
    """The scripted reply a token or subscription id names, as an answer dict, or None:
    `apns-<Reason>[-ra<N>|-nora][-anything]`, `fcm-<NAME>…`, `wp-<status>…`."""
    match = _TOKEN.match(token or "")
    if not match or match[1] != provider:
        return None
    name, modifier = match[2], match[3]
    table = {"apns": APNS, "fcm": FCM, "wp": WEBPUSH}[provider]
    key = int(name) if provider == "wp" and name.isdigit() else name
    if key not in table:
        return None
    answer = {"reply": key}
    if modifier:
        answer["retry_after"] = None if modifier == "nora" else modifier[2:]
    return answer


class Rules:
    """The rules file: {"apns"|"fcm"|"oauth"|"webpush": {"<token, subscription id, or *>": [answer, …]}}.
    An answer is a reply name (APNs reason, FCM/OAuth name, Web Push status), "ok" (the normal answer), or a dict
    {"reply", "retry_after", "delay_ms", "goaway", "until_new_credential"}. Each list is consumed in order (the
    token's own list before "*"); once used up the request gets its normal answer. `until_new_credential` keeps an
    answer at the head of its list while requests carry the same credential (JWT, access token) as the first one it
    answered, so "ExpiredProviderToken until Herald signs a new token" is one rule. Re-read when the file changes."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.queues = {}

    def _reload(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        if (st.st_ino, st.st_mtime_ns, st.st_size) == self.stamp:
            return
        self.stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with open(self.path) as f:
            rules = json.load(f)
        self.queues = {(provider, key): [a if isinstance(a, dict) else {"reply": a} for a in answers]
                       for provider, table in rules.items() for key, answers in table.items()}

    def next(self, provider, keys, credential=None):
        """The answer for a request under `keys` (one key or several, most specific first; "*" last). A `sticky`
        answer is never consumed."""
        keys = [keys] if isinstance(keys, str) else list(keys)
        with self.lock:
            self._reload()
            for key in dict.fromkeys(keys + ["*"]):
                queue = self.queues.get((provider, key))
                while queue:
                    answer = queue[0]
                    if answer.get("sticky"):
                        return answer
                    if not answer.get("until_new_credential"):
                        return queue.pop(0)
                    answer.setdefault("_credential", credential)
                    if answer["_credential"] == credential:
                        return answer
                    queue.pop(0)
            return None
