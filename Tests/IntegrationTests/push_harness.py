"""The push peer (peers/push_server.py) in its own process for a test: its private CA, the credentials Herald is
configured with (APNs .p8, service-account JSON, VAPID key), Web Push subscriptions, the rules file and the
request log. Started and stopped by the `make_push_peer` / `push_peer` fixtures in conftest.py.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

from herald_harness import _read_port, _stop, read_json_lines

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))
import push_keys  # noqa: E402
from test_ca import make_ca_and_server  # noqa: E402


class PushPeer:
    """url/origin `https://127.0.0.1:PORT`; `ca` the CA file to trust; `apns` (ApnsKey), `fcm` (ServiceAccount,
    token_uri = url + /token), `vapid` (VapidKey); `subscribe()`, `set_rules()`, `requests()`, `connections()`."""

    def __init__(self, root, delay_ms=0, apns_one_stream_until_auth=False, token_lifetime=3599, port=0,
                 project_id="herald-test", lifetime=900):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        keys = self.root / "keys"
        keys.mkdir(exist_ok=True)
        self.ca, cert, key = make_ca_and_server(self.root, ca_name="Herald Push Test CA")
        self.apns = push_keys.make_apns_key(keys)
        # A second app of another team on the same server (Apple keeps them on separate connections).
        self.apns_other = push_keys.make_apns_key(keys, team_id="OTHERTEAM1", key_id="OTHERKEY01")
        self.vapid = push_keys.make_vapid_key(keys)
        self.project_id = project_id
        # The service account's token_uri needs the port: the key is made now, the JSON rewritten once listening.
        self.fcm = push_keys.make_service_account(keys, "https://127.0.0.1:0/token", project_id)
        self.subscriptions = self.root / "subscriptions"
        self.rules_path = self.root / "rules.json"
        self.log_path = self.root / "requests.jsonl"
        command = [sys.executable, str(HERE / "peers" / "push_server.py"), "--dir", str(self.root),
                   "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key),
                   "--apns-key", self.apns.server_arg(), "--apns-key", self.apns_other.server_arg(), "--fcm-public-key", str(self.fcm.public_path),
                   "--fcm-client-email", self.fcm.info["client_email"], "--fcm-project", project_id,
                   "--fcm-token-lifetime", str(token_lifetime), "--delay-ms", str(delay_ms),
                   "--lifetime", str(lifetime)]
        if apns_one_stream_until_auth:
            command.append("--apns-one-stream-until-auth")
        self._stderr = open(self.root / "push.stderr", "ab")
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        self.port = _read_port(self.proc, "the push peer")
        self.url = self.origin = f"https://127.0.0.1:{self.port}"
        self.token_uri = self.url + "/token"
        self.fcm.info["token_uri"] = self.token_uri
        self.fcm.path.write_text(json.dumps(self.fcm.info, indent=2))

    def apns_url(self, token):
        return f"{self.url}/3/device/{token}"

    def fcm_url(self, project=None):
        return f"{self.url}/v1/projects/{project or self.project_id}/messages:send"

    def subscribe(self, id=None, vapid=True):
        """A browser-like subscription made by this push service (bound to the VAPID key unless `vapid` is False):
        `.browser()` is the {endpoint, keys: {p256dh, auth}} Herald stores; the peer keeps the private half."""
        subscription = push_keys.make_subscription(self.origin, id, self.vapid.public if vapid else None)
        subscription.save(self.subscriptions)
        return subscription

    def set_rules(self, rules):
        """Replaces the rules file (see push_replies.Rules); the peer re-reads it on its next request."""
        tmp = self.rules_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rules))
        os.rename(tmp, self.rules_path)

    def requests(self, provider=None):
        """Every request so far, one dict each (see push_server.py), optionally of one provider: apns, oauth, fcm,
        webpush."""
        return [r for r in read_json_lines(self.log_path) if provider is None or r["provider"] == provider]

    def connections(self):
        """TLS connections accepted so far."""
        try:
            return int((self.root / "connections").read_text())
        except (FileNotFoundError, ValueError):
            return 0

    def stderr(self):
        return (self.root / "push.stderr").read_text(errors="replace")

    def stop(self):
        _stop(self.proc)
        self.proc.stdout.close()
        self._stderr.close()
