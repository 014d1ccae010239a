"""The audience peer (peers/audience_server.py) driven by a Python client, no Herald: Meta's, Google's and the generic
receiver's checks, every scripted reply, the partial-failure shapes, the OAuth flow, Standard Webhooks verification
and the membership the peer keeps. Herald's audience tests rely on it."""
import hashlib
import json
import ssl
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "peers"))
import audience_replies  # noqa: E402
import push_keys  # noqa: E402

from herald_harness import wait_for  # noqa: E402


def h(value):
    return hashlib.sha256(value.encode()).hexdigest()


ALICE, BOB, CAROL = h("alice@example.com"), h("bob@example.com"), h("carol@example.com")
PHONE = h("60123456789")
SCHEMA = ["EMAIL", "PHONE", "FN", "LN", "COUNTRY", "EXTERN_ID"]


def client(peer):
    verify = ssl.create_default_context(cafile=str(peer.ca)) if peer.ca else False
    return httpx.Client(verify=verify, timeout=10)


def row(email="", phone="", fn="", ln="", country="", extern=""):
    return [email, phone, fn, ln, country, extern]


def meta_form(peer, data, schema=SCHEMA, **extra):
    form = {"payload": json.dumps({"schema": schema, "data": data}), "access_token": peer.meta_token}
    return {k: v for k, v in (form | extra).items() if v is not None}


def meta(c, peer, audience, data, method="POST", schema=SCHEMA, version=None, headers=None, **extra):
    return c.request(method, peer.meta_url(audience, version), data=meta_form(peer, data, schema, **extra),
                     headers=headers)


def access_token(peer, c, **options):
    reply = c.post(peer.token_uri, data={"grant_type": push_keys.JWT_GRANT,
                                         "assertion": peer.google_assertion(**options)})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def google_body(members, list_id="5550001", consent=True, **extra):
    body = {"destinations": [{"operatingAccount": {"accountType": "GOOGLE_ADS", "accountId": "1234567890"},
                              "productDestinationId": list_id}],
            "audienceMembers": [{"userData": {"userIdentifiers": ids}} for ids in members],
            "encoding": "HEX"}
    if consent is True:
        body["consent"] = {"adUserData": "CONSENT_GRANTED", "adPersonalization": "CONSENT_GRANTED"}
    elif consent:
        body["consent"] = consent
    return body | extra


def google(c, peer, token, body, method="ingest"):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return c.post(peer.google_url(method), headers=headers, content=json.dumps(body).encode())


def generic_body(members, audience="retarget-1", action="add"):
    return json.dumps({"audience": audience, "action": action,
                       "members": [{"id": id, "identifiers": ids} for id, ids in members]}).encode()


def generic(c, peer, body, headers=None, name="shop"):
    return c.post(peer.generic_url(name), content=body, headers=headers or peer.sign_generic(body))


# --- Meta ---------------------------------------------------------------------------------------------------------

def test_meta_add_then_remove_updates_membership(audience_peer):
    peer = audience_peer
    session = json.dumps({"session_id": 9876543210, "batch_seq": 1, "last_batch_flag": True})
    with client(peer) as c:
        added = meta(c, peer, "120210", [row(ALICE, PHONE, h("alice"), h("tan"), h("my")), row(phone=h("84912")),
                                         row(extern="crm-77")], session=session)
        assert added.status_code == 200, added.text
        assert peer.members("120210") == {ALICE, h("84912"), "crm-77"}
        removed = meta(c, peer, "120210", [row(ALICE), row(extern="crm-77")], method="DELETE")
        overridden = c.post(peer.meta_url("120210"), headers={"authorization": f"Bearer {peer.meta_token}"},
                            data=meta_form(peer, [row(phone=h("84912"))], access_token=None, method="DELETE"))
    assert added.json() == {"audience_id": "120210", "session_id": "9876543210", "num_received": 3,
                            "num_invalid_entries": 0, "invalid_entry_samples": {}}
    usage = json.loads(added.headers["x-business-use-case-usage"])
    assert usage == {peer.meta_ad_account: [{"type": "custom_audience", "call_count": 1, "total_cputime": 1,
                                             "total_time": 1, "estimated_time_to_regain_access": 0}]}
    assert removed.status_code == 200 and removed.json()["num_received"] == 2
    assert overridden.status_code == 200 and peer.members("120210") == set()
    first, second, third = peer.requests("meta")
    assert (first["action"], second["action"], third["action"]) == ("add", "remove", "remove")
    assert first["count"] == 3 and first["schema"] == SCHEMA and first["session"]["batch_seq"] == 1
    assert first["keys"] == [ALICE, h("84912"), "crm-77"] and first["rows"][0]["FN"] == h("alice")
    assert first["problems"] == [] and first["reply"]["status"] == 200 and first["body_bytes"] > 0
    assert json.loads((peer.root / "members.json").read_text()) == {"120210": []}


def test_meta_single_key_schema(audience_peer):
    with client(audience_peer) as c:
        reply = c.post(audience_peer.meta_url("42"), data={
            "payload": json.dumps({"schema": "EMAIL_SHA256", "data": [ALICE, BOB]}),
            "access_token": audience_peer.meta_token})
    assert reply.status_code == 200 and audience_peer.members("42") == {ALICE, BOB}


META_CHECKS = [
    # (what, request options, HTTP status, code, subcode)
    ("raw email", {"data": [row("alice@example.com")]}, 400, 100, None),
    ("raw phone", {"data": [row(phone="+60123456789")]}, 400, 100, None),
    ("short digits", {"data": [row(phone="60123")]}, 400, 100, None),
    ("upper-case hex", {"data": [row(ALICE.upper())]}, 400, 100, None),
    ("raw name", {"data": [row(ALICE, fn="Alice")]}, 400, 100, None),
    ("wrong row length", {"data": [[ALICE, PHONE]]}, 400, 100, None),
    ("non-string value", {"data": [[ALICE, 5, "", "", "", ""]]}, 400, 100, None),
    ("unknown schema key", {"schema": ["EMAIL", "MADID"], "data": [[ALICE, "x"]]}, 400, 100, None),
    ("duplicate schema key", {"schema": ["EMAIL", "EMAIL"], "data": [[ALICE, BOB]]}, 400, 100, None),
    ("no rows", {"data": []}, 400, 100, None),
    ("too many rows", {"data": [row(h(str(i))) for i in range(4)]}, 400, 100, None),
    ("bad token", {"access_token": "EAAHnot-the-token"}, 400, 190, None),
    ("no token", {"access_token": None}, 400, 104, None),
    ("wrong version", {"version": "v19.0"}, 400, 2635, None),
    ("audience id not numeric", {"audience": "my-list"}, 400, 100, 33),
    ("bad session", {"session": json.dumps({"session_id": "x", "batch_seq": 0})}, 400, 100, None),
    ("GET", {"method": "GET"}, 400, 100, None),
]


def test_meta_each_check_fires_and_consumes_no_rule(make_audience_peer):
    peer = make_audience_peer(meta_max_rows=3)
    peer.set_rules({"meta": {"*": ["server_error"]}})
    with client(peer) as c:
        for what, options, status, code, subcode in META_CHECKS:
            options = {"data": [row(ALICE)]} | options
            reply = meta(c, peer, options.pop("audience", "777"), options.pop("data"), **options)
            assert reply.status_code == status, (what, reply.text)
            error = reply.json()["error"]
            assert (error["code"], error.get("error_subcode"), error["type"]) == (code, subcode, "OAuthException"), what
            assert error["message"] and error["fbtrace_id"], what
            if code == 190:
                assert "invalid_token" in reply.headers["www-authenticate"]
        not_form = c.post(peer.meta_url("777"), json={"payload": {"schema": ["EMAIL"], "data": [[ALICE]]},
                                                       "access_token": peer.meta_token})
        scripted = meta(c, peer, "777", [row(ALICE)])
    assert not_form.status_code == 400 and not_form.json()["error"]["code"] == 100
    assert scripted.status_code == 500 and scripted.json()["error"]["code"] == 1  # the rule was still there
    logged = peer.requests("meta")
    assert all(r["problems"] and "scripted" not in r for r in logged[:len(META_CHECKS)])
    assert "raw value" in logged[0]["problems"][0]
    assert peer.members("777") == set()


def test_meta_body_over_the_limit_is_413(make_audience_peer):
    peer = make_audience_peer(meta_max_body=2048)
    with client(peer) as c:
        big = meta(c, peer, "778", [row(h(str(i))) for i in range(40)])
        small = meta(c, peer, "778", [row(h(str(i))) for i in range(5)])
    assert big.status_code == 413 and big.headers["content-type"] == "text/html"
    assert small.status_code == 200 and len(peer.members("778")) == 5
    assert "--meta-max-body" in peer.requests("meta")[0]["problems"][0]


@pytest.mark.parametrize("code, subcode", [(80003, None), (17, 2446079), (4, None), (613, 1487742)])
def test_meta_rate_limit_carries_the_usage_header(audience_peer, code, subcode):
    rule = {"reply": "rate_limit", "regain_minutes": 60} | ({} if code == 80003 else {"code": code})
    audience_peer.set_rules({"meta": {"900": [rule]}})
    with client(audience_peer) as c:
        limited = meta(c, audience_peer, "900", [row(ALICE)])
        then = meta(c, audience_peer, "900", [row(ALICE)])
    assert limited.status_code == 400
    error = limited.json()["error"]
    assert (error["code"], error.get("error_subcode"), error["type"]) == (code, subcode, "OAuthException")
    usage = json.loads(limited.headers["x-business-use-case-usage"])
    assert usage == {audience_peer.meta_ad_account: [{"type": "custom_audience", "call_count": 100,
                                                      "total_cputime": 10, "total_time": 10,
                                                      "estimated_time_to_regain_access": 60}]}
    assert then.status_code == 200 and audience_peer.members("900") == {ALICE}
    assert audience_peer.requests("meta")[0]["scripted"] == "rate_limit"


@pytest.mark.parametrize("name, status, code, subcode", [
    ("auth", 400, 190, 463), ("permission", 400, 200, None), ("server_error", 500, 1, None),
    ("unavailable", 503, 2, None), ("bad_request", 400, 100, None), ("audience_blocked", 400, 100, 1713230)])
def test_meta_scripted_errors(audience_peer, name, status, code, subcode):
    audience_peer.set_rules({"meta": {"*": [name]}})
    with client(audience_peer) as c:
        reply = meta(c, audience_peer, "901", [row(ALICE)])
    assert reply.status_code == status
    assert (reply.json()["error"]["code"], reply.json()["error"].get("error_subcode")) == (code, subcode)
    assert audience_peer.members("901") == set() and "x-business-use-case-usage" in reply.headers


def test_meta_rule_overrides_and_usage_on_success(audience_peer):
    audience_peer.set_rules({"meta": {"902": [
        {"reply": "bad_request", "code": 368, "message": "(#368) Temporarily blocked", "status": 403},
        {"reply": "ok", "usage": {"call_count": 85}}]}})
    with client(audience_peer) as c:
        blocked = meta(c, audience_peer, "902", [row(ALICE)])
        busy = meta(c, audience_peer, "902", [row(ALICE)])
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == 368
    assert json.loads(busy.headers["x-business-use-case-usage"])[audience_peer.meta_ad_account][0]["call_count"] == 85


def test_meta_partial_marks_rows_invalid(audience_peer):
    audience_peer.set_rules({"meta": {"903": [{"reply": "partial", "invalid": [BOB, "crm-9"]},
                                              {"reply": "partial", "invalid": {PHONE: "Invalid phone"}}]}})
    data = [row(ALICE), row(extern="crm-1", fn=h("bob"), email=BOB), row(extern="crm-9"), row(), row(CAROL)]
    with client(audience_peer) as c:
        first = meta(c, audience_peer, "903", data).json()
        second = meta(c, audience_peer, "903", [row(h("dan@example.com"), PHONE)]).json()
    assert first["num_received"] == 5 and first["num_invalid_entries"] == 3
    assert first["invalid_entry_samples"] == {BOB: "Invalid hash", "crm-9": "Invalid hash",
                                              "row:3": "No identifier in the row"}
    assert second["invalid_entry_samples"] == {h("dan@example.com"): "Invalid phone"}
    assert audience_peer.members("903") == {ALICE, CAROL}
    assert audience_peer.requests("meta")[0]["invalid"] == [BOB, "crm-9", "row:3"]


def test_meta_rules_order_audience_first_then_star_then_success(audience_peer):
    audience_peer.set_rules({"meta": {"904": ["unavailable"], "*": ["server_error", "rate_limit"]}})
    with client(audience_peer) as c:
        statuses = [meta(c, audience_peer, "904", [row(ALICE)]).status_code for _ in range(4)]
        other = meta(c, audience_peer, "905", [row(ALICE)]).status_code
    assert statuses == [503, 500, 400, 200] and other == 200


def test_rules_file_is_reread_and_sticky_answers_stay(audience_peer):
    with client(audience_peer) as c:
        before = meta(c, audience_peer, "906", [row(ALICE)]).status_code
        audience_peer.set_rules({"meta": {"906": [{"reply": "unavailable", "sticky": True}]}})
        during = [meta(c, audience_peer, "906", [row(ALICE)]).status_code for _ in range(3)]
        audience_peer.set_rules({})
        after = meta(c, audience_peer, "906", [row(ALICE)]).status_code
    assert (before, during, after) == (200, [503, 503, 503], 200)


# --- Google Data Manager ------------------------------------------------------------------------------------------

def test_google_oauth_ingest_and_remove(audience_peer):
    peer = audience_peer
    address = {"givenName": h("alice"), "familyName": h("tan"), "regionCode": "MY", "postalCode": "50450"}
    with client(peer) as c:
        token = access_token(peer, c)
        ingested = google(c, peer, token, google_body([[{"emailAddress": ALICE}, {"phoneNumber": PHONE}],
                                                       [{"phoneNumber": h("+84912345678")}],
                                                       [{"address": address}]]))
        assert ingested.status_code == 200, ingested.text
        assert peer.members("5550001") == {ALICE, h("+84912345678"), f"address:{h('alice')}:{h('tan')}:MY:50450"}
        removed = google(c, peer, token, google_body([[{"emailAddress": ALICE}]], consent=False), "remove")
        dry = google(c, peer, token, google_body([[{"emailAddress": BOB}]], validateOnly=True))
    assert set(ingested.json()) == {"requestId"} and len(ingested.json()["requestId"]) == 36
    assert removed.status_code == 200 and dry.status_code == 200
    assert peer.members("5550001") == {h("+84912345678"), f"address:{h('alice')}:{h('tan')}:MY:50450"}
    oauth = peer.requests("oauth")[0]
    assert oauth["jwt"]["claims"]["scope"] == "https://www.googleapis.com/auth/datamanager"
    assert oauth["jwt"]["claims"]["aud"] == peer.token_uri and oauth["access_token"] == token
    first, second, third = peer.requests("google")
    assert (first["action"], first["audience"], first["count"], first["keys"][0]) == ("add", "5550001", 3, ALICE)
    assert first["consent"]["adUserData"] == "CONSENT_GRANTED" and first["encoding"] == "HEX"
    assert second["action"] == "remove" and third["validate_only"] is True
    info = json.loads(peer.google.path.read_text())
    assert info["type"] == "service_account" and info["token_uri"] == peer.token_uri


def test_google_oauth_wants_the_datamanager_scope(audience_peer, tmp_path):
    stranger = push_keys.make_service_account(tmp_path, audience_peer.token_uri)
    cases = [(audience_peer.google_assertion(scope=push_keys.FCM_SCOPE), "invalid_scope"),
             (audience_peer.google_assertion(key=stranger.private_key), "invalid_grant"),
             (audience_peer.google_assertion(aud="https://oauth2.googleapis.com/token"), "invalid_grant")]
    with client(audience_peer) as c:
        for assertion, error in cases:
            reply = c.post(audience_peer.token_uri, data={"grant_type": push_keys.JWT_GRANT, "assertion": assertion})
            assert (reply.status_code, reply.json()["error"]) == (400, error)


def test_google_rejects_missing_unknown_and_expired_tokens(make_audience_peer):
    peer = make_audience_peer(google_token_lifetime=1)
    body = google_body([[{"emailAddress": ALICE}]])
    with client(peer) as c:
        token = access_token(peer, c)
        missing = google(c, peer, None, body)
        unknown = google(c, peer, "ya29.made-up", body)
        fresh = google(c, peer, token, body)
        time.sleep(1.3)
        stale = google(c, peer, token, body)
    assert [r.status_code for r in (missing, unknown, fresh, stale)] == [401, 401, 200, 401]
    reasons = [r.json()["error"]["details"][0]["reason"] for r in (missing, unknown, stale)]
    assert reasons == ["CREDENTIALS_MISSING", "ACCESS_TOKEN_TYPE_UNSUPPORTED", "ACCESS_TOKEN_EXPIRED"]
    assert all(r.json()["error"]["status"] == "UNAUTHENTICATED" for r in (missing, unknown, stale))


def _address(**changes):
    return {"address": {"givenName": h("a"), "familyName": h("b"), "regionCode": "MY", "postalCode": "50450"} |
            changes}


GOOGLE_CHECKS = [
    # (what, body, a field path the violations must name)
    ("raw email", google_body([[{"emailAddress": "alice@example.com"}]]),
     "audienceMembers[0].userData.userIdentifiers[0].emailAddress"),
    ("upper-case hex", google_body([[{"emailAddress": ALICE}, {"phoneNumber": PHONE.upper()}]]),
     "audienceMembers[0].userData.userIdentifiers[1].phoneNumber"),
    ("two kinds in one identifier", google_body([[{"emailAddress": ALICE, "phoneNumber": PHONE}]]),
     "audienceMembers[0].userData.userIdentifiers[0]"),
    ("eleven identifiers", google_body([[{"emailAddress": h(str(i))} for i in range(11)]]),
     "audienceMembers[0].userData.userIdentifiers"),
    ("raw given name", google_body([[_address(givenName="Alice")]]),
     "audienceMembers[0].userData.userIdentifiers[0].address.givenName"),
    ("lower-case region", google_body([[_address(regionCode="my")]]),
     "audienceMembers[0].userData.userIdentifiers[0].address.regionCode"),
    ("hashed postal code", google_body([[_address(postalCode=h("50450"))]]),
     "audienceMembers[0].userData.userIdentifiers[0].address.postalCode"),
    ("no consent", google_body([[{"emailAddress": ALICE}]], consent=False), "consent"),
    ("bad consent", google_body([[{"emailAddress": ALICE}]], consent={"adUserData": "YES"}), "consent"),
    ("no encoding", google_body([[{"emailAddress": ALICE}]], encoding=None), "encoding"),
    ("base64 encoding", google_body([[{"emailAddress": ALICE}]], encoding="BASE64"), "encoding"),
    ("unknown field", google_body([[{"emailAddress": ALICE}]], partialFailure=True), "partialFailure"),
    ("no members", google_body([]), "audienceMembers"),
    ("too many members", google_body([[{"emailAddress": h(str(i))}] for i in range(3)]), "audienceMembers"),
    ("account id with dashes", google_body([[{"emailAddress": ALICE}]], destinations=[
        {"operatingAccount": {"accountType": "GOOGLE_ADS", "accountId": "123-456-7890"},
         "productDestinationId": "1"}]), "destinations[0].operatingAccount.accountId"),
    ("no destination", google_body([[{"emailAddress": ALICE}]], destinations=[]), "destinations"),
]


def test_google_each_check_fires(make_audience_peer):
    peer = make_audience_peer(google_max_members=2)
    peer.set_rules({"google": {"*": ["server_error"]}})
    with client(peer) as c:
        token = access_token(peer, c)
        for what, body, field in GOOGLE_CHECKS:
            if body.get("encoding") is None:
                body.pop("encoding", None)
            reply = google(c, peer, token, body)
            assert reply.status_code == 400, (what, reply.text)
            error = reply.json()["error"]
            assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT"), what
            violations = error["details"][0]["fieldViolations"]
            assert field in [v["field"] for v in violations], (what, violations)
        consent_on_remove = google(c, peer, token, google_body([[{"emailAddress": ALICE}]]), "remove")
        not_json = c.post(peer.google_url(), headers={"authorization": f"Bearer {token}"}, content=b"{")
        scripted = google(c, peer, token, google_body([[{"emailAddress": ALICE}]]))
    assert consent_on_remove.status_code == 400
    assert "consent" in [v["field"] for v in consent_on_remove.json()["error"]["details"][0]["fieldViolations"]]
    assert not_json.status_code == 400
    assert scripted.status_code == 500  # no failed check consumed the rule
    assert peer.members("5550001") == set()


def test_google_operating_account_must_be_allowed(make_audience_peer):
    peer = make_audience_peer(google_account="1234567890")
    other = google_body([[{"emailAddress": ALICE}]], destinations=[
        {"operatingAccount": {"accountType": "GOOGLE_ADS", "accountId": "999"}, "productDestinationId": "1"}])
    with client(peer) as c:
        token = access_token(peer, c)
        denied = google(c, peer, token, other)
        allowed = google(c, peer, token, google_body([[{"emailAddress": ALICE}]]))
    assert (denied.status_code, denied.json()["error"]["status"]) == (403, "PERMISSION_DENIED")
    assert allowed.status_code == 200


@pytest.mark.parametrize("name, status, rpc", [
    ("bad_request", 400, "INVALID_ARGUMENT"), ("auth", 401, "UNAUTHENTICATED"), ("permission", 403,
                                                                                 "PERMISSION_DENIED"),
    ("rate_limit", 429, "RESOURCE_EXHAUSTED"), ("server_error", 500, "INTERNAL"), ("unavailable", 503,
                                                                                   "UNAVAILABLE")])
def test_google_scripted_errors(audience_peer, name, status, rpc):
    audience_peer.set_rules({"google": {"5550001": [name]}})
    with client(audience_peer) as c:
        token = access_token(audience_peer, c)
        reply = google(c, audience_peer, token, google_body([[{"emailAddress": ALICE}]]))
        then = google(c, audience_peer, token, google_body([[{"emailAddress": ALICE}]]))
    error = reply.json()["error"]
    assert (reply.status_code, error["code"], error["status"]) == (status, status, rpc) and error["message"]
    assert then.status_code == 200 and audience_peer.members("5550001") == {ALICE}
    if name == "rate_limit":
        info = [d for d in error["details"] if d["@type"] == audience_replies.ERROR_INFO][0]
        assert info["metadata"]["quota_limit"] == "IngestRequestsPerMinutePerProject"
    if name == "auth":
        assert "www-authenticate" in reply.headers


def test_google_rate_limit_options(audience_peer):
    audience_peer.set_rules({"google": {"*": [{"reply": "rate_limit", "quota_limit": "IngestRequestsPerDayPerProject",
                                               "retry_after": 30}]}})
    with client(audience_peer) as c:
        reply = google(c, audience_peer, access_token(audience_peer, c), google_body([[{"emailAddress": ALICE}]]))
    assert reply.status_code == 429 and reply.headers["retry-after"] == "30"
    assert reply.json()["error"]["details"][0]["metadata"]["quota_limit"] == "IngestRequestsPerDayPerProject"


def test_google_unauthenticated_until_a_new_token(audience_peer):
    audience_peer.set_rules({"google": {"*": [{"reply": "auth", "until_new_credential": True}]}})
    body = google_body([[{"emailAddress": ALICE}]])
    with client(audience_peer) as c:
        old = access_token(audience_peer, c)
        first, again = google(c, audience_peer, old, body), google(c, audience_peer, old, body)
        fresh = google(c, audience_peer, access_token(audience_peer, c), body)
    assert [r.status_code for r in (first, again, fresh)] == [401, 401, 200]


def test_google_partial_names_members_by_index(audience_peer):
    audience_peer.set_rules({"google": {"5550001": [{"reply": "partial", "invalid": [PHONE, h("b")]}]}})
    members = [[{"emailAddress": ALICE}], [{"emailAddress": BOB}, {"phoneNumber": PHONE}], [{"emailAddress": CAROL}],
               [_address(familyName=h("b"))]]
    with client(audience_peer) as c:
        reply = google(c, audience_peer, access_token(audience_peer, c), google_body(members))
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"requestId", "partialFailureError"}
    failure = body["partialFailureError"]
    assert failure["code"] == 3 and failure["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert failure["details"][0]["fieldViolations"] == [
        {"field": "audienceMembers[1]", "description": "Invalid user identifier", "reason": "INVALID_USER_IDENTIFIER"},
        {"field": "audienceMembers[3]", "description": "Invalid user identifier", "reason": "INVALID_USER_IDENTIFIER"}]
    assert audience_peer.members("5550001") == {ALICE, CAROL}


# --- generic (Standard Webhooks) ----------------------------------------------------------------------------------

def test_generic_signed_add_and_remove(audience_peer):
    peer = audience_peer
    add = generic_body([("m1", {"email": ALICE, "first_name": h("alice"), "country": h("my")}),
                        ("m2", {"phone": PHONE}), ("m3", {"external_id": "crm 42"})])
    with client(peer) as c:
        added = generic(c, peer, add)
        assert peer.members("retarget-1") == {ALICE, PHONE, "crm 42"}
        removed = generic(c, peer, generic_body([("m4", {"email": ALICE})], action="remove"))
    assert (added.status_code, added.json()) == (200, {"invalid": []})
    assert removed.status_code == 200 and peer.members("retarget-1") == {PHONE, "crm 42"}
    record = peer.requests("generic")[0]
    assert record["webhook_id"].startswith("msg_") and record["ids"] == ["m1", "m2", "m3"]
    assert (record["audience"], record["action"], record["count"]) == ("retarget-1", "add", 3)


def test_generic_signature_is_verified(audience_peer):
    peer = audience_peer
    body = generic_body([("m1", {"email": ALICE})])
    good = peer.sign_generic(body)
    rotated = dict(good, **{"webhook-signature": "v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiAzMiBieXRlcyEhISE= " +
                                                 good["webhook-signature"]})
    with client(peer) as c:
        tampered = generic(c, peer, body.replace(b"retarget-1", b"retarget-2"), headers=good)
        wrong_secret = generic(c, peer, body, headers=peer.sign_generic(
            body, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        old = generic(c, peer, body, headers=peer.sign_generic(body, timestamp=int(time.time()) - 600))
        unsigned = generic(c, peer, body, headers={"content-type": "application/json"})
        garbled = generic(c, peer, body, headers=dict(good, **{"webhook-signature": "garbage"}))
        assert peer.members("retarget-1") == set() and peer.members("retarget-2") == set()
        passed = generic(c, peer, body, headers=good)
        both = generic(c, peer, body, headers=rotated)
    assert [r.status_code for r in (tampered, wrong_secret, old, unsigned, garbled)] == [401] * 5
    assert tampered.json()["error"] == "auth"
    assert passed.status_code == 200 and both.status_code == 200 and peer.members("retarget-1") == {ALICE}


def test_generic_checks_the_body(audience_peer):
    cases = [generic_body([("m1", {"email": "alice@example.com"})]), generic_body([("m1", {"fax": h("1")})]),
             generic_body([("m1", {"email": ALICE})], action="replace"), generic_body([]),
             json.dumps({"audience": "a", "action": "add", "members": [{"identifiers": {"email": ALICE}}]}).encode()]
    with client(audience_peer) as c:
        replies = [generic(c, audience_peer, body) for body in cases]
    assert [r.status_code for r in replies] == [400] * len(cases)
    assert all(r.json()["error"] == "bad_request" and r.json()["message"] for r in replies)


def test_generic_partial_by_message_id_and_hash(audience_peer):
    audience_peer.set_rules({"generic": {"retarget-1": [{"reply": "partial", "invalid": ["m2", CAROL]}]}})
    body = generic_body([("m1", {"email": ALICE}), ("m2", {"email": BOB}), ("m3", {"phone": PHONE, "email": CAROL}),
                         ("m4", {"email": ""})])
    with client(audience_peer) as c:
        reply = generic(c, audience_peer, body)
    assert reply.status_code == 200
    assert reply.json() == {"invalid": [{"id": "m2", "reason": "Invalid entry"},
                                        {"id": "m3", "reason": "Invalid entry"},
                                        {"id": "m4", "reason": "no identifier"}]}
    assert audience_peer.members("retarget-1") == {ALICE}


def test_generic_scripted_errors(audience_peer):
    audience_peer.set_rules({"generic": {"*": ["rate_limit", {"reply": "rate_limit", "retry_after": 2}, "auth",
                                               "permission", "server_error", {"reply": "unavailable",
                                                                              "retry_after": 5}, "bad_request"]}})
    body = generic_body([("m1", {"email": ALICE})])
    with client(audience_peer) as c:
        replies = [generic(c, audience_peer, body) for _ in range(8)]
    assert [r.status_code for r in replies] == [429, 429, 401, 403, 500, 503, 400, 200]
    assert [r.headers.get("retry-after") for r in replies[:2]] == ["1", "2"]
    assert replies[5].headers["retry-after"] == "5" and "retry-after" not in replies[4].headers


# --- the server itself ------------------------------------------------------------------------------------------

def test_plain_http_unknown_path_and_chunked_body(make_audience_peer):
    peer = make_audience_peer(tls=False)
    assert peer.url.startswith("http://") and peer.ca is None
    form = urllib.parse.urlencode(meta_form(peer, [row(ALICE)])).encode()
    with client(peer) as c:
        unknown = c.get(f"{peer.url}/nowhere")
        chunked = c.post(peer.meta_url("55"), content=iter([form[:10], form[10:]]),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert unknown.status_code == 404 and peer.requests()[0]["provider"] == "unknown"
    assert chunked.status_code == 200, chunked.text
    assert peer.members("55") == {ALICE}


def test_delay_and_lifetime_are_bounded(make_audience_peer):
    peer = make_audience_peer(delay_ms=300, lifetime=3)
    with client(peer) as c:
        start = time.monotonic()
        assert meta(c, peer, "56", [row(ALICE)]).status_code == 200
        assert time.monotonic() - start >= 0.3
    wait_for(lambda: peer.proc.poll() is not None, 10, "the peer to stop by itself")
    assert peer.proc.returncode == 0, peer.stderr()
