"""The figures a run is judged against (targets and the peers' reference figures from BENCHMARKS.md) and the
few fixed values more than one module shares. Kept in one place so a changed target is changed once."""

TARGET_WEBHOOK = 15_000  # msgs/s
TARGET_INTAKE = 20_000  # files/s
TARGET_QUEUE_RSS_MB = 64
TARGET_SMTP = 6_000  # msgs/s
TARGET_PUSH = 15_000  # msgs/s, APNs over HTTP/2
PEER_SMTP_DOC = 12_800  # msgs/s, smtp-source -> smtp-sink with connection reuse (BENCHMARKS.md)
PEER_FS_C = 25_300  # files/s, rename + read + unlink, C loop on ext4 (BENCHMARKS.md)
PEER_WRK_DOC = 66_700  # req/s, wrk -> nginx (BENCHMARKS.md)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
POLL = 0.01  # seconds between looks at the delivery log

# Audience sync through the generic provider, end to end (issue 10).
TARGET_AUDIENCE = 50_000
TARGET_LIVECHAT = 10_000  # msgs/s, one to each connected visitor
TARGET_LIVECHAT_RSS_KB = 10  # per idle SSE stream; Centrifugo publishes about 30 KB
