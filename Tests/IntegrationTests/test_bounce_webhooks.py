"""Provider event webhooks at /bounces/CHANNEL/PROVIDER on Herald's HTTP server, each signed as its provider
documents and built here with independent libraries (Python `cryptography`, `hmac`): Amazon SES through SNS
(signature versions 1 and 2, the signing certificate served over HTTPS from loopback with a private CA, and the
subscription confirmed by a GET of its SubscribeURL), SendGrid's ECDSA, Mailgun's HMAC, Postmark's basic auth.
A signed event is attributed to its message through the VERP handle in the Message-ID the provider echoes; a
bad signature gets 401 (403 for SNS) and changes nothing."""
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import ssl
import sys
import threading
import time
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from herald_harness import drop, free_port, wait_for
from test_bounces import TOKEN, mail, sent, smtp_channel, suppressed

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from test_ca import make_ca_and_server  # noqa: E402

TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-bounces"
MAILGUN_KEY = "key-mailgun-signing-0123456789abcdef"


class CertServer:
    """HTTPS on loopback (private CA): serves the SNS signing certificate and records SubscribeURL GETs."""

    def __init__(self, directory, cert_pem):
        directory.mkdir(parents=True, exist_ok=True)
        self.ca, server_cert, server_key = make_ca_and_server(directory)
        self.confirmed = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/cert.pem":
                    body = cert_pem
                elif self.path.startswith("/confirm"):
                    outer.confirmed.append(self.path)
                    body = b"<ConfirmSubscriptionResponse/>"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(server_cert, server_key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def sns_signing_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.eu-west-1.amazonaws.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def sns(key, cert_url, message, version="1", type="Notification", subscribe_url=None):
    fields = {"Type": type, "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "TopicArn": TOPIC,
              "Message": message, "Timestamp": "2026-12-01T09:55:06.123Z", "SignatureVersion": version,
              "SigningCertURL": cert_url}
    if type == "Notification":
        order = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        fields |= {"SubscribeURL": subscribe_url, "Token": "2336412f37fb687f5d51e6e2425"}
        order = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    signed = "".join(f"{k}\n{fields[k]}\n" for k in order if k in fields)
    digest = hashes.SHA256() if version == "2" else hashes.SHA1()
    fields["Signature"] = base64.b64encode(key.sign(signed.encode(), padding.PKCS1v15(), digest)).decode()
    return json.dumps(fields).encode(), {"x-amz-sns-message-type": type, "content-type": "text/plain; charset=UTF-8"}


def ses_bounce(address, message_id, kind="Permanent", subtype="General", status="5.1.1"):
    return json.dumps({
        "notificationType": "Bounce",
        "bounce": {"bounceType": kind, "bounceSubType": subtype, "timestamp": "2026-12-01T09:55:05.000Z",
                   "feedbackId": "0100018-abc", "bouncedRecipients": [
                       {"emailAddress": address, "action": "failed", "status": status,
                        "diagnosticCode": f"smtp; 550 {status} <{address}>: user unknown"}]},
        "mail": {"timestamp": "2026-12-01T09:55:01.000Z", "source": "news@shop.example", "messageId": "ses-own-id",
                 "destination": [address], "headers": [{"name": "Message-ID", "value": message_id}]},
    })


def ses_complaint(address, message_id):
    return json.dumps({
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": address}], "timestamp": "2026-12-01T10:00:00.000Z",
                      "feedbackId": "0100018-def", "complaintFeedbackType": "abuse"},
        "mail": {"timestamp": "2026-12-01T09:55:01.000Z", "source": "news@shop.example", "messageId": "ses-own-id-2",
                 "destination": [address], "headers": [{"name": "Message-ID", "value": message_id}]},
    })


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_each_provider_signed_accepted_and_forged_refused(make_daemon, make_smtp, tmp_path):
    sns_key, sns_cert = sns_signing_cert()
    certs = CertServer(tmp_path / "tls", sns_cert)
    sendgrid_key = ec.generate_private_key(ec.SECP256R1())
    sendgrid_public = base64.b64encode(sendgrid_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    (tmp_path / "mailgun.key").write_text(MAILGUN_KEY + "\n")
    (tmp_path / "postmark.pw").write_text("postmark-hook-password\n")
    (tmp_path / "verp.key").write_text("verp-signing-key-for-the-tests-0123456789\n")
    peer = make_smtp()
    port = free_port()
    channel = smtp_channel(peer.url, verp="bounces+{handle}@bounce.test", verp_secret_file=str(tmp_path / "verp.key"),
                           message_id_domain="shop.example", bounce_webhooks={
                               "ses": {"topic_arns": [TOPIC], "cert_hosts": ["127.0.0.1"], "ca_file": str(certs.ca)},
                               "sendgrid": {"public_key": sendgrid_public},
                               "mailgun": {"signing_key_file": str(tmp_path / "mailgun.key")},
                               "postmark": {"username": "herald", "password_file": str(tmp_path / "postmark.pw")}})
    try:
        daemon = make_daemon([channel], http={"listen": f"127.0.0.1:{port}"}, recipients="masked").start()
        people = {"s1": "ses1@example.net", "s2": "ses2@example.net", "s3": "ses3@example.net",
                  "g1": "grid@example.net", "m1": "gun@example.net", "p1": "mark@example.net"}
        for id, address in people.items():
            drop(daemon.spool, id, mail(id, address))
        wait_for(lambda: all(daemon.events("delivered", id=i) for i in people), 30, lambda: f"delivered: {daemon.events()}")
        message_ids = {id: sent(peer, address)[1] for id, address in people.items()}
        assert all(TOKEN.match(sent(peer, a)[0]) for a in people.values())
        base = f"http://127.0.0.1:{port}/bounces/email"
        cert_url = f"https://127.0.0.1:{certs.port}/cert.pem"

        # SES through SNS: subscription confirmed, v1 and v2 notifications, a complaint; forged → 403.
        body, headers = sns(sns_key, cert_url, "You have chosen to subscribe", type="SubscriptionConfirmation",
                            subscribe_url=f"https://127.0.0.1:{certs.port}/confirm?token=2336412f")
        assert post(base + "/ses", body, headers) == 200
        assert certs.confirmed == ["/confirm?token=2336412f"]
        body, headers = sns(sns_key, cert_url, ses_bounce(people["s1"], message_ids["s1"]), version="1")
        assert post(base + "/ses", body, headers) == 200
        body, headers = sns(sns_key, cert_url, ses_complaint(people["s2"], message_ids["s2"]), version="2")
        assert post(base + "/ses", body, headers) == 200
        forged = json.loads(sns(sns_key, cert_url, ses_bounce(people["s3"], message_ids["s3"]))[0])
        forged["Message"] = forged["Message"].replace("Permanent", "Transient")
        assert post(base + "/ses", json.dumps(forged).encode(), headers) == 403

        # SendGrid: ECDSA over timestamp ‖ body.
        events = json.dumps([{"email": people["g1"], "timestamp": int(time.time()), "event": "bounce", "type": "bounce",
                              "status": "5.1.1", "reason": "550 5.1.1 user unknown", "smtp-id": message_ids["g1"],
                              "sg_event_id": "e1", "sg_message_id": "sg1"}]).encode()
        stamp = str(int(time.time()))
        signature = base64.b64encode(sendgrid_key.sign(stamp.encode() + events, ec.ECDSA(hashes.SHA256()))).decode()
        grid_headers = {"content-type": "application/json", "x-twilio-email-event-webhook-timestamp": stamp}
        assert post(base + "/sendgrid", events + b" ", grid_headers | {
            "x-twilio-email-event-webhook-signature": signature}) == 401, "a body changed after signing"
        assert post(base + "/sendgrid", events, grid_headers | {"x-twilio-email-event-webhook-signature": signature}) == 200

        # Mailgun: HMAC-SHA256 of timestamp ‖ token.
        def mailgun(token, key=MAILGUN_KEY):
            stamp = str(int(time.time()))
            mac = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
            return json.dumps({"signature": {"timestamp": stamp, "token": token, "signature": mac}, "event-data": {
                "event": "failed", "severity": "permanent", "reason": "bounce", "recipient": people["m1"],
                "delivery-status": {"code": 550, "message": "5.1.1 user unknown", "description": ""},
                "message": {"headers": {"message-id": message_ids["m1"].strip("<>")}}}}).encode()
        assert post(base + "/mailgun", mailgun("t" * 50, key="not-the-key"), {"content-type": "application/json"}) == 401
        assert post(base + "/mailgun", mailgun("u" * 50), {"content-type": "application/json"}) == 200
        assert post(base + "/mailgun", mailgun("u" * 50), {"content-type": "application/json"}) == 401, "a replay"

        # Postmark: HTTP Basic.
        bounce = json.dumps({"RecordType": "Bounce", "ID": 42, "Type": "HardBounce", "TypeCode": 1, "Name": "Hard bounce",
                             "Email": people["p1"], "Description": "The server was unable to deliver your message",
                             "Details": "smtp;550 5.1.1 user unknown", "BouncedAt": "2026-12-01T10:00:00Z",
                             "Metadata": {"herald_message_id": message_ids["p1"]}}).encode()
        good = "Basic " + base64.b64encode(b"herald:postmark-hook-password").decode()
        bad = "Basic " + base64.b64encode(b"herald:guess").decode()
        assert post(base + "/postmark", bounce, {"content-type": "application/json", "authorization": bad}) == 401
        assert post(base + "/postmark", bounce, {"content-type": "application/json", "authorization": good}) == 200

        wait_for(lambda: all(daemon.events("bounced", id=i) for i in ("s1", "g1", "m1", "p1"))
                 and daemon.events("complained", id="s2"), 30, lambda: f"every signed event logged: {daemon.events()}")
        rows = suppressed(daemon)
        for id in ("s1", "g1", "m1", "p1"):
            assert ("email", people[id], "hard_bounce") in rows, (id, rows)
            assert daemon.events("bounced", id=id)[0]["campaign"] == "winback"
        assert ("email", people["s2"], "complaint") in rows
        assert not any(row[1] == people["s3"] for row in rows), "a forged SNS post suppressed someone"
        assert not daemon.events("bounced", id="s3")
        logged = daemon.log.read_text()
        assert not [a for a in people.values() if a in logged], "an address in clear in the delivery log"
        assert daemon.stop() == 0
    finally:
        certs.stop()
