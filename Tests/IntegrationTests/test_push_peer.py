"""The push peer (peers/push_server.py) driven by a Python HTTP/2 client, no Herald: its checks, every scripted
reply row, the FCM token flow, Web Push decryption, and its connection count. Herald's push tests rely on it."""
import asyncio
import socket
import ssl
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "peers"))
import push_keys  # noqa: E402
import push_replies  # noqa: E402

ALERT = b'{"aps":{"alert":{"title":"Hi","body":"Your cart misses you."}}}'


def client(peer, **kwargs):
    return httpx.Client(http2=True, verify=ssl.create_default_context(cafile=str(peer.ca)), timeout=10, **kwargs)


def apns_headers(peer, jwt=None, **extra):
    headers = {"authorization": f"bearer {jwt or peer.apns.jwt()}", "apns-topic": "com.example.shop",
               "apns-push-type": "alert"}
    return headers | {k.replace("_", "-"): v for k, v in extra.items()}


def access_token(peer, c):
    reply = c.post(peer.token_uri, data={"grant_type": push_keys.JWT_GRANT, "assertion": peer.fcm.assertion()})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def webpush_headers(peer, **extra):
    headers = {"authorization": peer.vapid.header(peer.origin), "ttl": "3600", "content-encoding": "aes128gcm",
               "urgency": "normal"}
    return headers | extra


# --- APNs ---------------------------------------------------------------------------------------------------------

def test_apns_valid_request_is_accepted_and_recorded(push_peer):
    apns_id = "eabeae54-14a8-11e5-b60b-1697f925ec7b"
    with client(push_peer) as c:
        reply = c.post(push_peer.apns_url("00fc13adff78"), headers=apns_headers(push_peer, apns_id=apns_id),
                       content=ALERT)
        generated = c.post(push_peer.apns_url("00fc13adff79"), headers=apns_headers(push_peer), content=ALERT)
    assert reply.http_version == "HTTP/2"
    assert (reply.status_code, reply.headers["apns-id"], reply.content) == (200, apns_id, b"")
    assert generated.status_code == 200 and len(generated.headers["apns-id"]) == 36
    first, second = push_peer.requests("apns")
    assert first["token"] == "00fc13adff78" and first["body"] == ALERT.decode()
    assert first["jwt"]["header"] == {"alg": "ES256", "kid": push_peer.apns.key_id, "typ": "JWT"}
    assert first["jwt"]["claims"]["iss"] == push_peer.apns.team_id
    assert first["headers"]["authorization"].startswith("bearer ")
    assert (first["conn"], first["stream"], second["stream"]) == (1, 1, 3)
    assert first["reply"]["status"] == 200 and first["reply"]["headers"]["apns-id"] == apns_id


def test_apns_checks_the_provider_token_and_headers(push_peer, tmp_path):
    stranger = push_keys.make_apns_key(tmp_path)
    cases = [
        (apns_headers(push_peer, jwt=stranger.jwt()), ALERT, 403, "InvalidProviderToken"),
        (apns_headers(push_peer, jwt=push_peer.apns.jwt(team_id="OTHERTEAM1")), ALERT, 403, "InvalidProviderToken"),
        (apns_headers(push_peer, jwt=push_peer.apns.jwt(key_id="OTHERKEY12")), ALERT, 403, "InvalidProviderToken"),
        (apns_headers(push_peer, jwt="not.a.jwt"), ALERT, 403, "InvalidProviderToken"),
        (apns_headers(push_peer, jwt=push_peer.apns.jwt(iat=int(time.time()) - 3700)), ALERT, 403,
         "ExpiredProviderToken"),
        ({k: v for k, v in apns_headers(push_peer).items() if k != "authorization"}, ALERT, 403,
         "MissingProviderToken"),
        ({k: v for k, v in apns_headers(push_peer).items() if k != "apns-topic"}, ALERT, 400, "MissingTopic"),
        ({k: v for k, v in apns_headers(push_peer).items() if k != "apns-push-type"}, ALERT, 400, "InvalidPushType"),
        (apns_headers(push_peer, apns_id="not-a-uuid"), ALERT, 400, "BadMessageId"),
        (apns_headers(push_peer, apns_push_type="background", apns_priority="10"), ALERT, 400, "BadPriority"),
        (apns_headers(push_peer, apns_expiration="soon"), ALERT, 400, "BadExpirationDate"),
        (apns_headers(push_peer, apns_collapse_id="c" * 65), ALERT, 400, "BadCollapseId"),
        (apns_headers(push_peer), b"", 400, "PayloadEmpty"),
        (apns_headers(push_peer), b"{" + b" " * 4095 + b"}", 413, "PayloadTooLarge"),
    ]
    with client(push_peer) as c:
        for headers, body, status, reason in cases:
            reply = c.post(push_peer.apns_url("00fc13adff78"), headers=headers, content=body)
            assert (reply.status_code, reply.json()) == (status, {"reason": reason}), (headers, reason)
        voip = c.post(push_peer.apns_url("00fc13adff78"), headers=apns_headers(push_peer, apns_push_type="voip"),
                      content=b"{" + b" " * 5000 + b"}")
    assert voip.status_code == 200
    assert [r["error"] for r in push_peer.requests("apns")[:len(cases)]] == [case[3] for case in cases]


@pytest.mark.parametrize("reason", sorted(push_replies.APNS))
def test_apns_token_selects_each_reply(push_peer, reason):
    with client(push_peer) as c:
        reply = c.post(push_peer.apns_url(f"apns-{reason}-7"), headers=apns_headers(push_peer), content=ALERT)
    assert reply.status_code == push_replies.APNS[reason]
    body = reply.json()
    assert body["reason"] == reason and "retry-after" not in reply.headers
    if reply.status_code == 410:
        assert abs(body["timestamp"] - time.time() * 1000) < 2 * 3600 * 1000  # milliseconds, in the past
    else:
        assert set(body) == {"reason"}
    assert push_peer.requests("apns")[0]["scripted"] == reason


def test_apns_retry_after_is_opt_in(push_peer):
    with client(push_peer) as c:
        with_ra = c.post(push_peer.apns_url("apns-TooManyRequests-ra5-x"), headers=apns_headers(push_peer),
                         content=ALERT)
        without = c.post(push_peer.apns_url("apns-TooManyRequests"), headers=apns_headers(push_peer), content=ALERT)
    assert (with_ra.status_code, with_ra.headers["retry-after"]) == (429, "5")
    assert without.status_code == 429 and "retry-after" not in without.headers


def test_apns_expired_provider_token_until_a_new_token_then_success(push_peer):
    push_peer.set_rules({"apns": {"*": [{"reply": "ExpiredProviderToken", "until_new_credential": True}]}})
    old = push_peer.apns.jwt(iat=int(time.time()) - 60)
    with client(push_peer) as c:
        first = c.post(push_peer.apns_url("aa01"), headers=apns_headers(push_peer, jwt=old), content=ALERT)
        again = c.post(push_peer.apns_url("aa02"), headers=apns_headers(push_peer, jwt=old), content=ALERT)
        fresh = c.post(push_peer.apns_url("aa01"), headers=apns_headers(push_peer), content=ALERT)
        later = c.post(push_peer.apns_url("aa03"), headers=apns_headers(push_peer, jwt=old), content=ALERT)
    assert [r.status_code for r in (first, again, fresh, later)] == [403, 403, 200, 200]
    assert first.json() == {"reason": "ExpiredProviderToken"}


def test_rules_fail_first_n_per_token_then_succeed(push_peer):
    push_peer.set_rules({"apns": {"bb01": ["ServiceUnavailable", {"reply": "TooManyRequests", "retry_after": "2"}]}})
    with client(push_peer) as c:
        replies = [c.post(push_peer.apns_url("bb01"), headers=apns_headers(push_peer), content=ALERT)
                   for _ in range(3)]
        other = c.post(push_peer.apns_url("bb02"), headers=apns_headers(push_peer), content=ALERT)
    assert [r.status_code for r in replies] == [503, 429, 200] and other.status_code == 200
    assert replies[1].headers["retry-after"] == "2"


def test_goaway_rule_closes_the_connection_with_a_reason(push_peer):
    push_peer.set_rules({"apns": {"*": [{"reply": "Shutdown", "goaway": "Shutdown"}]}})
    with client(push_peer) as c:
        with pytest.raises(httpx.HTTPError):
            c.post(push_peer.apns_url("cc01"), headers=apns_headers(push_peer), content=ALERT)
        after = c.post(push_peer.apns_url("cc01"), headers=apns_headers(push_peer), content=ALERT)
    assert after.status_code == 200 and push_peer.connections() == 2
    assert push_peer.requests("apns")[0]["reply"]["goaway"] == "Shutdown"


# --- FCM ----------------------------------------------------------------------------------------------------------

def test_fcm_token_flow_and_send(push_peer):
    with client(push_peer) as c:
        token = access_token(push_peer, c)
        reply = c.post(push_peer.fcm_url(), headers={"authorization": f"Bearer {token}"},
                       json={"message": {"token": "dGVzdA:APA91b", "data": {"campaign": "c1"},
                                         "notification": {"title": "Hi"}}})
    assert reply.status_code == 200, reply.text
    assert reply.json()["name"].startswith(f"projects/{push_peer.project_id}/messages/")
    oauth, send = push_peer.requests("oauth")[0], push_peer.requests("fcm")[0]
    assert oauth["jwt"]["claims"]["aud"] == push_peer.token_uri and oauth["access_token"] == token
    assert oauth["jwt"]["header"]["kid"] == push_peer.fcm.info["private_key_id"]
    assert send["message"]["token"] == "dGVzdA:APA91b" and send["headers"]["authorization"] == f"Bearer {token}"


def test_fcm_service_account_file_is_what_herald_reads(push_peer):
    import json
    info = json.loads(push_peer.fcm.path.read_text())
    assert info["type"] == "service_account" and info["token_uri"] == push_peer.token_uri
    assert info["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert push_peer.apns.path.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_oauth_checks_the_assertion(push_peer, tmp_path):
    stranger = push_keys.make_service_account(tmp_path, push_peer.token_uri)
    stranger.info["client_email"] = push_peer.fcm.info["client_email"]
    cases = [
        (push_peer.fcm.assertion(key=stranger.private_key), "invalid_grant"),
        (push_peer.fcm.assertion(aud="https://oauth2.googleapis.com/token"), "invalid_grant"),
        (push_peer.fcm.assertion(iat=int(time.time()) - 7200), "invalid_grant"),
        (push_peer.fcm.assertion(lifetime=7200), "invalid_grant"),
        (push_peer.fcm.assertion(scope="https://www.googleapis.com/auth/userinfo.email"), "invalid_scope"),
    ]
    with client(push_peer) as c:
        for assertion, error in cases:
            reply = c.post(push_peer.token_uri, data={"grant_type": push_keys.JWT_GRANT, "assertion": assertion})
            assert (reply.status_code, reply.json()["error"]) == (400, error)
        wrong_grant = c.post(push_peer.token_uri, data={"grant_type": "client_credentials"})
    assert wrong_grant.json()["error"] == "unsupported_grant_type"


def test_fcm_rejects_unknown_and_expired_access_tokens(make_push_peer):
    peer = make_push_peer(token_lifetime=1)
    with client(peer) as c:
        token = access_token(peer, c)
        made_up = c.post(peer.fcm_url(), headers={"authorization": "Bearer ya29.made-up"},
                         json={"message": {"token": "t"}})
        fresh = c.post(peer.fcm_url(), headers={"authorization": f"Bearer {token}"}, json={"message": {"token": "t"}})
        time.sleep(1.2)
        stale = c.post(peer.fcm_url(), headers={"authorization": f"Bearer {token}"}, json={"message": {"token": "t"}})
        other = c.post(peer.fcm_url("someone-else"), headers={"authorization": f"Bearer {access_token(peer, c)}"},
                       json={"message": {"token": "t"}})
    assert [r.status_code for r in (made_up, fresh, stale, other)] == [401, 200, 401, 403]
    assert stale.json()["error"]["status"] == "UNAUTHENTICATED" and "details" not in stale.json()["error"]
    assert other.json()["error"]["status"] == "PERMISSION_DENIED"


def test_fcm_unauthenticated_until_refresh(push_peer):
    push_peer.set_rules({"fcm": {"*": [{"reply": "UNAUTHENTICATED", "until_new_credential": True}]}})
    with client(push_peer) as c:
        first_token = access_token(push_peer, c)
        send = [c.post(push_peer.fcm_url(), headers={"authorization": f"Bearer {first_token}"},
                       json={"message": {"token": "t"}}) for _ in range(2)]
        refreshed = c.post(push_peer.fcm_url(), headers={"authorization": f"Bearer {access_token(push_peer, c)}"},
                           json={"message": {"token": "t"}})
    assert [r.status_code for r in send + [refreshed]] == [401, 401, 200]
    assert send[0].headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", sorted(push_replies.FCM))
def test_fcm_token_selects_each_reply(push_peer, name):
    with client(push_peer) as c:
        token = access_token(push_peer, c)
        reply = c.post(push_peer.fcm_url(), headers={"authorization": f"Bearer {token}"},
                       json={"message": {"token": f"fcm-{name}-1", "data": {"k": "v"}}})
    status, rpc_status, _, error_code, retry_after = push_replies.FCM[name]
    error = reply.json()["error"]
    assert (reply.status_code, error["code"], error["status"]) == (status, status, rpc_status)
    codes = [d["errorCode"] for d in error.get("details", []) if d["@type"].endswith("FcmError")]
    assert codes == ([error_code] if error_code else [])
    assert reply.headers.get("retry-after") == retry_after
    if name == "INVALID_TOKEN":
        assert error["message"] == "The registration token is not a valid FCM registration token"


def test_fcm_checks_the_message(push_peer):
    with client(push_peer) as c:
        auth = {"authorization": f"Bearer {access_token(push_peer, c)}"}
        bad = [c.post(push_peer.fcm_url(), headers=auth, json=body) for body in (
            {"message": {"token": "t", "data": {"n": 12}}}, {"message": {"token": "t", "topic": "news"}},
            {"nomessage": {}})]
        topic = c.post(push_peer.fcm_url(), headers=auth, json={"message": {"topic": "fcm-UNAVAILABLE-ra4"}})
    assert [r.json()["error"]["status"] for r in bad] == ["INVALID_ARGUMENT"] * 3
    assert (topic.status_code, topic.headers["retry-after"]) == (503, "4")


def test_oauth_rules_script_the_token_endpoint(push_peer):
    push_peer.set_rules({"oauth": {"*": ["unavailable", "invalid_grant"]}})
    with client(push_peer) as c:
        replies = [c.post(push_peer.token_uri, data={"grant_type": push_keys.JWT_GRANT,
                                                     "assertion": push_peer.fcm.assertion()}) for _ in range(3)]
    assert [r.status_code for r in replies] == [503, 400, 200]


# --- Web Push -----------------------------------------------------------------------------------------------------

def test_webpush_body_is_decrypted_and_recorded(push_peer):
    subscription = push_peer.subscribe()
    browser = subscription.browser()
    assert browser["endpoint"] == f"{push_peer.origin}/wp/{subscription.id}"
    assert len(push_keys.b64url_decode(browser["keys"]["p256dh"])) == 65
    assert len(push_keys.b64url_decode(browser["keys"]["auth"])) == 16
    plaintext = '{"title":"Diskaun 20%","body":"Jom!"}'.encode()
    with client(push_peer) as c:
        reply = c.post(browser["endpoint"], headers=webpush_headers(push_peer), content=subscription.encrypt(plaintext))
    assert reply.status_code == 201, reply.text
    assert reply.headers["location"].startswith(push_peer.origin + "/m/") and reply.headers["ttl"] == "3600"
    record = push_peer.requests("webpush")[0]
    assert record["plaintext"] == plaintext.decode() and record["subscription"] == subscription.id
    assert record["jwt"]["claims"]["aud"] == push_peer.origin and record["vapid_k"] == push_peer.vapid.public


def test_webpush_decrypts_the_rfc_8291_appendix_a_body(push_peer):
    """The RFC's own body, not one made by http_ece: the peer's decryption is not checked against itself."""
    from cryptography.hazmat.primitives.asymmetric import ec
    ua_private = ec.derive_private_key(int.from_bytes(push_keys.b64url_decode(
        "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"), "big"), ec.SECP256R1())
    subscription = push_keys.Subscription("rfc8291", f"{push_peer.origin}/wp/rfc8291", ua_private,
                                          push_keys.b64url_decode("BTBZMqHH6r4Tts7J_aSIgg"))
    subscription.save(push_peer.subscriptions)
    assert subscription.p256dh == ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNt"
                                   "oIAiw4")
    body = push_keys.b64url_decode(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3"
        "jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
    with client(push_peer) as c:
        reply = c.post(subscription.endpoint, headers=webpush_headers(push_peer), content=body)
    assert reply.status_code == 201, reply.text
    assert push_peer.requests("webpush")[0]["plaintext"] == "When I grow up, I want to be a watermelon"


def test_webpush_checks(push_peer, tmp_path):
    subscription, unbound = push_peer.subscribe(), push_peer.subscribe(vapid=False)
    stranger = push_keys.make_vapid_key(tmp_path)
    body = subscription.encrypt(b"hello")
    no_auth = {k: v for k, v in webpush_headers(push_peer).items() if k != "authorization"}
    cases = [
        (subscription, no_auth, body, 401),
        (subscription, webpush_headers(push_peer, authorization="WebPush abc"), body, 403),
        (subscription, webpush_headers(push_peer, authorization=push_peer.vapid.header("https://push.example.net")),
         body, 403),
        (subscription, webpush_headers(push_peer, authorization=push_peer.vapid.header(
            push_peer.origin, exp=int(time.time()) + 25 * 3600)), body, 403),
        (subscription, webpush_headers(push_peer, authorization=push_peer.vapid.header(
            push_peer.origin, exp=int(time.time()) - 10)), body, 403),
        (subscription, webpush_headers(push_peer, authorization=push_peer.vapid.header(
            push_peer.origin, sub="mailto: <push@shop.example>")), body, 403),
        (subscription, webpush_headers(push_peer, authorization=stranger.header(push_peer.origin)), body, 403),
        (subscription, {k: v for k, v in webpush_headers(push_peer).items() if k != "ttl"}, body, 400),
        (subscription, webpush_headers(push_peer, **{"content-encoding": "aesgcm"}), body, 400),
        (subscription, webpush_headers(push_peer, urgency="urgent"), body, 400),
        (subscription, webpush_headers(push_peer, topic="t" * 33), body, 400),
        (subscription, webpush_headers(push_peer), body[:-1] + bytes([body[-1] ^ 1]), 400),
        (subscription, webpush_headers(push_peer), subscription.encrypt(b"x" * 4000), 413),
        (push_keys.make_subscription(push_peer.origin), webpush_headers(push_peer), body, 404),
        (unbound, webpush_headers(push_peer, authorization=stranger.header(push_peer.origin)),
         unbound.encrypt(b"hi"), 201),
    ]
    with client(push_peer) as c:
        for sub, headers, content, status in cases:
            reply = c.post(sub.endpoint, headers=headers, content=content)
            assert reply.status_code == status, (headers, status, push_peer.requests("webpush")[-1].get("error"))
            if status != 201:
                assert reply.json()["code"] == status


@pytest.mark.parametrize("status", sorted(push_replies.WEBPUSH))
def test_webpush_subscription_id_selects_each_reply(push_peer, status):
    subscription = push_peer.subscribe(f"wp-{status}-abc")
    with client(push_peer) as c:
        reply = c.post(subscription.endpoint, headers=webpush_headers(push_peer),
                       content=subscription.encrypt(b"hello"))
    assert (reply.status_code, reply.json()["code"]) == (status, status)
    assert reply.headers.get("retry-after") == ("1" if status == 429 else None)


def test_webpush_rules_and_retry_after_modifiers(push_peer):
    subscription = push_peer.subscribe("dd01")
    quiet = push_peer.subscribe("wp-429-nora-x")
    push_peer.set_rules({"webpush": {"dd01": [503, {"reply": 429, "retry_after": "7"}]}})
    with client(push_peer) as c:
        replies = [c.post(subscription.endpoint, headers=webpush_headers(push_peer),
                          content=subscription.encrypt(b"hi")) for _ in range(3)]
        no_ra = c.post(quiet.endpoint, headers=webpush_headers(push_peer), content=quiet.encrypt(b"hi"))
    assert [r.status_code for r in replies] == [503, 429, 201] and replies[1].headers["retry-after"] == "7"
    assert no_ra.status_code == 429 and "retry-after" not in no_ra.headers


# --- Connections --------------------------------------------------------------------------------------------------

def test_streams_share_one_connection(push_peer):
    async def burst():
        context = ssl.create_default_context(cafile=str(push_peer.ca))
        async with httpx.AsyncClient(http2=True, verify=context, timeout=10) as c:
            first = await c.post(push_peer.apns_url("ee00"), headers=apns_headers(push_peer), content=ALERT)
            rest = await asyncio.gather(*(c.post(push_peer.apns_url(f"ee{i:02}"), headers=apns_headers(push_peer),
                                                 content=ALERT) for i in range(1, 9)))
            return [first, *rest]

    replies = asyncio.run(asyncio.wait_for(burst(), 30))
    assert [r.status_code for r in replies] == [200] * 9
    records = push_peer.requests("apns")
    assert {r["conn"] for r in records} == {1} and len({r["stream"] for r in records}) == 9
    assert push_peer.connections() == 1
    with client(push_peer) as c:
        c.post(push_peer.apns_url("ee99"), headers=apns_headers(push_peer), content=ALERT)
    assert push_peer.connections() == 2 and push_peer.requests("apns")[-1]["conn"] == 2


def test_one_stream_until_a_valid_provider_token(make_push_peer):
    peer = make_push_peer(apns_one_stream_until_auth=True)

    async def burst():
        context = ssl.create_default_context(cafile=str(peer.ca))
        async with httpx.AsyncClient(http2=True, verify=context, timeout=10) as c:
            first = await c.post(peer.apns_url("ff00"), headers=apns_headers(peer), content=ALERT)
            rest = await asyncio.gather(*(c.post(peer.apns_url(f"ff{i:02}"), headers=apns_headers(peer),
                                                 content=ALERT) for i in range(1, 5)))
            return [first, *rest]

    assert [r.status_code for r in asyncio.run(asyncio.wait_for(burst(), 30))] == [200] * 5
    assert peer.connections() == 1


def test_only_h2_is_spoken(push_peer):
    context = ssl.create_default_context(cafile=str(push_peer.ca))
    context.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", push_peer.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.selected_alpn_protocol() is None
            tls.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert tls.recv(100) == b""
    assert push_peer.connections() == 1
