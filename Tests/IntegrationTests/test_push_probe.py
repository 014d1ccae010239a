"""`herald check --probe` for a push channel: APNs gets one request with the real provider token for a dummy
device (the peer verifies the token), FCM exchanges its assertion for an access token, Web Push is not probed;
a refused credential fails with the auth step and exit 1. Nothing is delivered."""
from herald_harness import wait_for  # noqa: F401  (the harness puts peers/ on the path for the helpers below)
from test_probe import probe


def all_services(peer, **apns):
    return {"name": "push", "plugin": "push",
            "apns": {"url": peer.url, "team_id": peer.apns.team_id, "key_id": peer.apns.key_id,
                     "key_file": str(peer.apns.path), "topic": "com.example.shop", "ca_file": str(peer.ca)} | apns,
            "fcm": {"service_account_file": str(peer.fcm.path), "url": peer.url, "ca_file": str(peer.ca)},
            "webpush": {"vapid_key_file": str(peer.vapid.path), "vapid_subject": "mailto:push@shop.example",
                        "allowed_origins": [peer.origin], "ca_file": str(peer.ca)}}


def test_probe_every_push_service(make_daemon, push_peer):
    push_peer.set_rules({"apns": {"0" * 64: ["BadDeviceToken"]}})
    daemon = make_daemon([all_services(push_peer)])
    result, lines = probe(daemon)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert len(lines) == 3, lines
    assert ": ok: provider token accepted (400 BadDeviceToken" in lines[0], lines
    assert lines[1].startswith(f"probe fcm {push_peer.token_uri}: ok: access token issued"), lines
    assert "not probed" in lines[2], lines
    apns = push_peer.requests("apns")
    assert len(apns) == 1 and apns[0]["jwt"]["claims"]["iss"] == push_peer.apns.team_id
    assert len(push_peer.requests("oauth")) == 1 and not push_peer.requests("fcm")


def test_a_refused_provider_token_fails_at_auth(make_daemon, push_peer):
    push_peer.set_rules({"apns": {"0" * 64: ["InvalidProviderToken"]}, "oauth": {"*": ["invalid_grant"]}})
    daemon = make_daemon([all_services(push_peer)])
    result, lines = probe(daemon)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "failed" in lines[0] and "auth" in lines[0] and "InvalidProviderToken" in lines[0], lines
    assert "failed" in lines[1] and "auth" in lines[1], lines
