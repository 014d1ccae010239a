"""The livechat phase: V visitors (default 10,000) hold an SSE stream each open to the built-in mode at once
(one asyncio client process); the daemon's RSS per idle stream is read from /proc before and after they connect;
then one message per visitor is renamed into the spool and the client acks each as it arrives (over a pool of
keep-alive connections): messages/s from the first rename to the last delivered, and daemon CPU per message."""

import asyncio
import hashlib
import hmac
import json
import os
import resource
import time

from benchlib.config import write_config
from benchlib.delivery_log import LogCounter
from benchlib.herald import Herald
from benchlib.measure import cpu_seconds, proc_status
from benchlib.profiler import start_profiler, stop_profiler
from benchlib.report import fmt_rate, log, stopped_line
from benchlib.spool import rename_messages

SECRET = "bench-chat-visitor-secret-0123456789"
ACKERS = 64


def raise_file_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, min(hard, wanted)) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def auth(visitor):
    exp = int(time.time()) + 7200
    sig = hmac.new(SECRET.encode(), f"{visitor}.{exp}".encode(), hashlib.sha256).hexdigest()
    return visitor, exp, sig


class Visitors:
    """V open streams and a pool of ack connections, all in one event loop."""

    def __init__(self, port, count):
        self.port = port
        self.count = count
        self.received = 0
        self.acked = 0
        self.connected = 0
        self.ack_queue = asyncio.Queue()
        self.errors = []

    async def stream(self, index):
        visitor, exp, sig = auth(f"v{index}")
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(f"GET /chat/v1/stream?visitor={visitor}&exp={exp}&sig={sig} HTTP/1.1\r\n"
                     f"Host: 127.0.0.1:{self.port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n")[0]:
            self.errors.append(head.split(b"\r\n")[0].decode())
            return
        self.connected += 1
        buffer = b""
        while True:
            data = await reader.read(65536)
            if not data:
                return
            buffer += data
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    # Chunked framing lines and comments carry no "data:"; the event's JSON is one line.
                    if line.startswith(b"data: ") and b'"id"' in line:
                        message = json.loads(line[6:])
                        if "title" in message:
                            self.received += 1
                            await self.ack_queue.put((visitor, exp, sig, message["id"]))

    async def acker(self):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        while True:
            visitor, exp, sig, id = await self.ack_queue.get()
            body = json.dumps({"visitor": visitor, "exp": exp, "sig": sig, "id": id}).encode()
            writer.write(f"POST /chat/v1/ack HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\ncontent-type: application/json\r\n"
                         f"content-length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")), 0)
            if length:
                await reader.readexactly(length)
            self.acked += 1


async def run_visitors(port, count, on_connected, timeout):
    visitors = Visitors(port, count)
    tasks = []
    for index in range(count):
        tasks.append(asyncio.create_task(visitors.stream(index)))
        if index % 500 == 499:
            await asyncio.sleep(0.05)
    deadline = time.monotonic() + timeout
    while visitors.connected + len(visitors.errors) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    ackers = [asyncio.create_task(visitors.acker()) for _ in range(ACKERS)]
    await asyncio.get_running_loop().run_in_executor(None, on_connected, visitors)
    for task in tasks + ackers:
        task.cancel()
    return visitors


def phase_livechat(workdir, args, results, cleanup):
    n = args.livechat
    log(f"\n== livechat: {n:,} visitors with an SSE stream open, one message each, acked ==")
    limit = raise_file_limit(2 * n + 1024)
    if limit < n + 256:
        raise RuntimeError(f"RLIMIT_NOFILE is {limit}: {n:,} streams need more (raise the hard limit)")
    directory = os.path.join(workdir, "livechat")
    os.makedirs(directory)
    port = 18700 + os.getpid() % 200
    channel = (f'name = "chat"\nplugin = "livechat"\nvisitor_secret = "{SECRET}"\nmax_streams = {n + 100}\n'
               f'concurrency = 4096\n')
    config = write_config(directory, [channel], extra=f'[http]\nlisten = "127.0.0.1:{port}"\n')
    herald = Herald(args.herald, config, cleanup)
    herald.wait_ready(30)
    spool = os.path.join(directory, "spool")
    for i in range(n):
        with open(f"{spool}/tmp/c-{i}", "w") as f:
            f.write(json.dumps({"id": f"c-{i}", "channel": "chat", "to": {"visitor": f"v{i}"},
                                "content": {"title": "Back in stock", "body": "Your size M is back."}}))
    counter = LogCounter(os.path.join(directory, "log/delivery.log"))
    before = proc_status(herald.pid).get("VmRSS", 0)
    measured = {}

    def connected(visitors):
        time.sleep(1)
        after = proc_status(herald.pid).get("VmRSS", 0)
        measured["streams"] = visitors.connected
        measured["rss_per_stream_kb"] = (after - before) / max(1, visitors.connected)
        log(f"  {visitors.connected:,} streams open ({len(visitors.errors)} refused); daemon RSS {before / 1024:.1f} MB -> "
            f"{after / 1024:.1f} MB: {measured['rss_per_stream_kb']:.1f} KB per idle stream")
        profile = args.perf and args.perf + ".livechat"
        profiler = start_profiler(profile, herald.pid)
        cpu_before = cpu_seconds(herald.pid)
        started = time.monotonic()
        rename_messages(spool, "c", 0, n)
        measured["seconds"] = counter.wait_for("delivered", n, args.timeout or 120, herald, started)
        measured["cpu"] = cpu_seconds(herald.pid) - cpu_before
        stop_profiler(profiler, profile)
        measured["received"], measured["acked"] = visitors.received, visitors.acked

    asyncio.run(run_visitors(port, n, connected, args.timeout or 120))
    status = proc_status(herald.pid)
    code, stop_time = herald.stop()
    counter.close()
    seconds = measured.get("seconds")
    results["livechat"] = n / seconds if seconds else None
    results["livechat_rss_kb"] = measured.get("rss_per_stream_kb")
    results["livechat_cpu_us"] = 1e6 * measured.get("cpu", 0) / max(1, n)
    log(f"  delivered to every visitor: {fmt_rate(results['livechat'])} msgs/s (first rename -> last delivered), "
        f"daemon CPU {measured.get('cpu', 0):.2f} s ({results['livechat_cpu_us']:.0f} µs per message), "
        f"peak RSS {status.get('VmHWM', 0) / 1024:.1f} MB; {measured.get('received', 0):,} received, "
        f"{measured.get('acked', 0):,} acked by the client")
    log(f"  {stopped_line(herald, code, stop_time)}")
