"""Bounce and feedback mails as the integration tests drop them into a bounce Maildir: an RFC 3464 DSN laid out
as Postfix writes it (PROTOCOLS §9.1), Exim's classic text bounce (its documented format: X-Failed-Recipients, the
"This message was created automatically" preamble and the returned copy below a marker line), and an RFC 5965
feedback report. Each is addressed to a VERP return path, and quotes the original's Message-ID."""
import os
import time
from pathlib import Path


def dsn(verp, recipient, message_id, status="5.1.1", action="failed",
        diagnostic="smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"):
    boundary = "4WzK2q1Xy.1725358502/relay.example.com"
    diagnostic = diagnostic.format(rcpt=recipient)
    return f"""Return-Path: <>
Date: Tue,  3 Sep 2024 10:15:02 +0000 (UTC)
From: MAILER-DAEMON@relay.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {verp}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Message-Id: <20240903101502.4WzK2q1Xy@relay.example.com>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host relay.example.com.

<{recipient}>: host mx.example.net[192.0.2.25] said: {diagnostic.split("; ", 1)[-1]}

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.com
X-Postfix-Queue-ID: 4WzK2q1Xy
X-Postfix-Sender: rfc822; {verp}
Arrival-Date: Tue,  3 Sep 2024 10:15:01 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.net
Diagnostic-Code: {diagnostic}

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <{verp}>
Message-ID: {message_id}
Subject: Your September update

--{boundary}--
""".replace("\n", "\r\n").encode()


def exim(verp, recipient, message_id):
    return f"""Return-path: <>
Received: from mailnull by mail.example.org with local (Exim 4.96)
\tid 1qABCD-000123-Xy
\tfor {verp};
\tTue, 03 Sep 2024 10:15:02 +0000
X-Failed-Recipients: {recipient}
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@mail.example.org>
To: {verp}
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1qABCD-000123-Xy@mail.example.org>
Date: Tue, 03 Sep 2024 10:15:02 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {recipient}
    host mx.example.net [192.0.2.25]
    SMTP error from remote mail server after RCPT TO:<{recipient}>:
    550 5.1.1 <{recipient}>: Recipient address rejected: User unknown

------ This is a copy of the message, including all the headers. ------

Return-path: <{verp}>
Message-ID: {message_id}
From: Kedai Contoh <news@shop.example>
Subject: Your September update

Your cart misses you.
""".replace("\n", "\r\n").encode()


def arf(verp, recipient, message_id, feedback_type="abuse"):
    return f"""From: <fbl@isp.example.net>
To: <fbl@shop.example>
Subject: FW: Your September update
Date: Tue, 03 Sep 2024 10:20:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b1"

--b1
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for a message received from IP 192.0.2.10.
--b1
Content-Type: message/feedback-report

Feedback-Type: {feedback_type}
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <{verp}>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Tue, 03 Sep 2024 10:15:03 +0000
Source-IP: 192.0.2.10
Reported-Domain: shop.example
--b1
Content-Type: message/rfc822

Message-ID: {message_id}
From: Kedai Contoh <news@shop.example>
Subject: Your September update

Your cart misses you.
--b1--
""".replace("\n", "\r\n").encode()


_counter = 0


def deliver(maildir, content):
    """Into `new/` the Maildir way: written in `tmp/`, then linked into `new/` under a unique name."""
    global _counter
    _counter += 1
    name = f"{time.time():.6f}.P{os.getpid()}Q{_counter}.test"
    maildir = Path(maildir)
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    (maildir / "tmp" / name).write_bytes(content)
    os.rename(maildir / "tmp" / name, maildir / "new" / name)
    return name
