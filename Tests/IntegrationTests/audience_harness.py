"""The audience peer (peers/audience_server.py) in its own process for a test: its private CA, the credentials Herald
is configured with (Meta access token, Google service-account JSON, generic Standard Webhooks secret), the rules
file, the request log and the membership it holds. Started and stopped by the `make_audience_peer` /
`audience_peer` fixtures in conftest.py.
"""
import base64
import datetime
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from herald_harness import _read_port, _stop, read_json_lines

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "peers"))
import push_keys  # noqa: E402
import standardwebhooks  # noqa: E402
from test_ca import make_ca_and_server  # noqa: E402

DATAMANAGER_SCOPE = "https://www.googleapis.com/auth/datamanager"


class AudiencePeer:
    """url/origin `http[s]://127.0.0.1:PORT`; `ca` the CA file to trust (None without TLS); `meta_token`,
    `meta_version`, `meta_ad_account`; `google` (push_keys.ServiceAccount, token_uri = url + /token);
    `generic_secret` (whsec_…); URL helpers `meta_url()`, `google_url()`, `generic_url()`; `set_rules()`,
    `requests(provider=None)`, `members(audience_id)`, `all_members()`; `sign_generic()` for tests without Herald."""

    def __init__(self, root, tls=True, meta_version="v25.0", meta_token=None, meta_max_rows=10000,
                 meta_max_body=65536, meta_ad_account="1234567890", google_token_lifetime=3599, google_account=None,
                 google_max_members=10000, generic_secret=None, generic_max_members=10000, delay_ms=0, port=0,
                 lifetime=900):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        keys = self.root / "keys"
        keys.mkdir(exist_ok=True)
        self.meta_version, self.meta_ad_account = meta_version, meta_ad_account
        self.meta_token = meta_token or "EAAH" + secrets.token_urlsafe(32)
        self.generic_secret = generic_secret or "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        # The service account's token_uri needs the port: the key is made now, the JSON rewritten once listening.
        self.google = push_keys.make_service_account(keys, "https://127.0.0.1:0/token", "herald-audience")
        self.rules_path = self.root / "rules.json"
        self.log_path = self.root / "requests.jsonl"
        self.members_path = self.root / "members.json"
        command = [sys.executable, str(HERE / "peers" / "audience_server.py"), "--dir", str(self.root),
                   "--port", str(port), "--meta-version", meta_version, "--meta-token", self.meta_token,
                   "--meta-max-rows", str(meta_max_rows), "--meta-max-body", str(meta_max_body),
                   "--meta-ad-account", meta_ad_account, "--google-public-key", str(self.google.public_path),
                   "--google-client-email", self.google.info["client_email"],
                   "--google-token-lifetime", str(google_token_lifetime),
                   "--google-max-members", str(google_max_members), "--generic-secret", self.generic_secret,
                   "--generic-max-members", str(generic_max_members), "--delay-ms", str(delay_ms),
                   "--lifetime", str(lifetime)]
        for account in ([google_account] if isinstance(google_account, str) else google_account or []):
            command += ["--google-account", account]
        self.ca = None
        if tls:
            self.ca, cert, key = make_ca_and_server(self.root, ca_name="Herald Audience Test CA")
            command += ["--tls", "--tls-cert", str(cert), "--tls-key", str(key)]
        self._stderr = open(self.root / "audience.stderr", "ab")
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        self.port = _read_port(self.proc, "the audience peer")
        self.url = self.origin = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.token_uri = self.url + "/token"
        self.google.info["token_uri"] = self.token_uri
        self.google.path.write_text(json.dumps(self.google.info, indent=2))

    def meta_url(self, audience_id, version=None):
        return f"{self.url}/{version or self.meta_version}/{audience_id}/users"

    def google_url(self, method="ingest"):
        return f"{self.url}/v1/audienceMembers:{method}"

    def generic_url(self, name="audience"):
        return f"{self.url}/generic/{name}"

    def google_assertion(self, **options):
        """An OAuth assertion for the Data Manager scope (push_keys.ServiceAccount.assertion options)."""
        return self.google.assertion(**({"scope": DATAMANAGER_SCOPE} | options))

    def sign_generic(self, body, msg_id=None, timestamp=None, secret=None):
        """Standard Webhooks headers for `body` (bytes), as Herald would send them."""
        msg_id = msg_id or "msg_" + secrets.token_hex(12)
        when = datetime.datetime.now(datetime.timezone.utc) if timestamp is None else \
            datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
        signature = standardwebhooks.Webhook(secret or self.generic_secret).sign(msg_id, when, body.decode())
        return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
                "webhook-signature": signature, "content-type": "application/json"}

    def set_rules(self, rules):
        """Replaces the rules file (see audience_server.py); the peer re-reads it on its next request."""
        tmp = self.rules_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rules))
        os.rename(tmp, self.rules_path)

    def requests(self, provider=None):
        """Every request so far, one dict each (see audience_server.py), optionally of one provider: meta, google,
        oauth, generic, unknown."""
        return [r for r in read_json_lines(self.log_path) if provider is None or r["provider"] == provider]

    def all_members(self):
        """{audience id: set of member keys} as the peer holds them after the last request."""
        try:
            return {k: set(v) for k, v in json.loads(self.members_path.read_text()).items()}
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def members(self, audience_id):
        """The member keys of one audience (email hash, else phone hash, else external id, …)."""
        return self.all_members().get(str(audience_id), set())

    def stderr(self):
        return (self.root / "audience.stderr").read_text(errors="replace")

    def stop(self):
        _stop(self.proc)
        self.proc.stdout.close()
        self._stderr.close()
