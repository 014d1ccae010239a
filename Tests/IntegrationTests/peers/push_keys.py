"""Test credentials for the push peer (push_server.py), made the way the providers hand them out, plus the client
side of each scheme so a test can sign and encrypt without Herald.

- APNs: a .p8 file (PKCS#8 PEM, P-256) with a 10-character team id and key id; `ApnsKey.jwt()` signs a provider
  token (ES256, header {alg, kid}, claims {iss, iat}).
- FCM: a Google service-account JSON (RSA 2048: client_email, private_key, private_key_id, token_uri, project_id);
  `ServiceAccount.assertion()` signs the RS256 OAuth assertion.
- Web Push: a VAPID key pair (PKCS#8 and SEC1 PEM) with `VapidKey.header(aud)`, and browser-like subscriptions
  ({endpoint, keys: {p256dh, auth}}) that keep the user agent's private key so the peer can decrypt.

Nothing here talks to the network; the server imports it for base64url and for reading subscriptions.
"""
import base64
import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pkcs8(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def raw_public(key):
    """The 65-byte uncompressed P-256 point of a private or public key."""
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def public_from_raw(data):
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)


@dataclass
class ApnsKey:
    """An APNs token-auth key: `path` is the AuthKey_<key id>.p8, `public_path` what the peer verifies with."""
    path: Path
    public_path: Path
    team_id: str
    key_id: str
    private_key: object = field(repr=False)

    def jwt(self, iat=None, team_id=None, key_id=None, key=None):
        claims = {"iss": team_id or self.team_id, "iat": int(time.time()) if iat is None else iat}
        return jwt.encode(claims, key or self.private_key, algorithm="ES256", headers={"kid": key_id or self.key_id})

    def server_arg(self):
        return f"{self.team_id}:{self.key_id}:{self.public_path}"


def make_apns_key(directory, team_id="HERALDTEAM", key_id="HERALDKEY1"):
    directory = Path(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    path, public_path = directory / f"AuthKey_{key_id}.p8", directory / f"apns-{key_id}.pub.pem"
    path.write_bytes(_pkcs8(key))
    public_path.write_bytes(_public_pem(key))
    return ApnsKey(path, public_path, team_id, key_id, key)


@dataclass
class ServiceAccount:
    """A Google service account: `path` is the JSON Herald reads, `info` its content."""
    path: Path
    public_path: Path
    info: dict
    private_key: object = field(repr=False)

    def assertion(self, iat=None, lifetime=3600, scope=FCM_SCOPE, aud=None, key=None):
        now = int(time.time()) if iat is None else iat
        claims = {"iss": self.info["client_email"], "scope": scope, "aud": aud or self.info["token_uri"],
                  "iat": now, "exp": now + lifetime}
        return jwt.encode(claims, key or self.private_key, algorithm="RS256",
                          headers={"kid": self.info["private_key_id"]})


def make_service_account(directory, token_uri, project_id="herald-test"):
    directory = Path(directory)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = f"herald-push@{project_id}.iam.gserviceaccount.com"
    info = {
        "type": "service_account", "project_id": project_id, "private_key_id": secrets.token_hex(20),
        "private_key": _pkcs8(key).decode(), "client_email": email, "client_id": str(secrets.randbelow(10**21)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }
    path, public_path = directory / "service-account.json", directory / "service-account.pub.pem"
    path.write_text(json.dumps(info, indent=2))
    public_path.write_bytes(_public_pem(key))
    return ServiceAccount(path, public_path, info, key)


@dataclass
class VapidKey:
    """The application server's VAPID key pair: `path` PKCS#8 PEM, `sec1_path` the same key as SEC1 ("EC PRIVATE
    KEY") PEM, `public` the base64url uncompressed point browsers take as applicationServerKey."""
    path: Path
    sec1_path: Path
    public: str
    private_key: object = field(repr=False)

    def header(self, aud, exp=None, sub="mailto:push@shop.example", key=None):
        claims = {"aud": aud, "exp": int(time.time()) + 12 * 3600 if exp is None else exp}
        if sub is not None:
            claims["sub"] = sub
        token = jwt.encode(claims, key or self.private_key, algorithm="ES256", headers={"typ": "JWT"})
        return f"vapid t={token}, k={self.public}"


def make_vapid_key(directory):
    directory = Path(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    path, sec1_path = directory / "vapid.pem", directory / "vapid.sec1.pem"
    path.write_bytes(_pkcs8(key))
    sec1_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                            serialization.NoEncryption()))
    return VapidKey(path, sec1_path, b64url(raw_public(key)), key)


@dataclass
class Subscription:
    """A browser's PushSubscription and the user agent's secrets: `browser()` is what the page would POST to the
    application server; the private key and auth secret stay with the peer to decrypt."""
    id: str
    endpoint: str
    private_key: object = field(repr=False)
    auth: bytes
    vapid_public: str = None

    @property
    def p256dh(self):
        return b64url(raw_public(self.private_key))

    def browser(self):
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}

    def encrypt(self, plaintext, salt=None):
        """The aes128gcm body an application server sends (RFC 8291), from a fresh ephemeral key."""
        return http_ece.encrypt(plaintext, salt=salt or os.urandom(16), private_key=ec.generate_private_key(
            ec.SECP256R1()), dh=raw_public(self.private_key), auth_secret=self.auth, version="aes128gcm")

    def save(self, directory):
        """Writes the record the peer decrypts with: DIRECTORY/<id>.json."""
        record = self.browser() | {"id": self.id, "private_key": _pkcs8(self.private_key).decode(),
                                   "vapid_public": self.vapid_public}
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{self.id}.tmp"
        tmp.write_text(json.dumps(record))
        os.rename(tmp, directory / f"{self.id}.json")


def make_subscription(origin, id=None, vapid_public=None):
    id = id or uuid.uuid4().hex
    return Subscription(id, f"{origin}/wp/{id}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16), vapid_public)


def load_subscription(directory, id):
    """The saved subscription `id`, or None when the peer never issued it."""
    if "/" in id or id.startswith("."):
        return None
    try:
        record = json.loads((Path(directory) / f"{id}.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    key = serialization.load_pem_private_key(record["private_key"].encode(), None)
    return Subscription(id, record["endpoint"], key, b64url_decode(record["keys"]["auth"]), record.get("vapid_public"))
