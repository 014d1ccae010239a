"""The programs Herald is measured against and talks to: nginx (`return 204`) and wrk, Postfix's smtp-sink
and smtp-source, and the spool ceiling in Python. Starting and measuring them only; the phases decide
when."""

import os
import re
import shutil
import socket
import subprocess
import time

from benchlib.spool import write_messages


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 204; }}
    }}
}}
"""


def start_nginx(workdir, cleanup):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        raise RuntimeError("nginx not found: apt-get install nginx-light")
    directory = os.path.join(workdir, "nginx")
    os.makedirs(directory)
    port = free_port()
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=directory, port=port))
    # -e: the startup error log too, so nothing under /var/log/nginx is touched.
    cmd = [nginx, "-e", os.path.join(directory, "error.log"), "-p", directory, "-c", conf]
    proc = cleanup.process(subprocess.Popen(cmd, stdin=subprocess.DEVNULL), "nginx")
    if not wait_for_port(port, 10):
        raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within 10 s (see {directory}/error.log)")
    return proc, port


def nginx_port(workdir, results, cleanup):
    """The port of the run's one nginx, started by the first phase that needs it (kept in `results["nginx"]`)."""
    if "nginx" not in results:
        results["nginx"] = start_nginx(workdir, cleanup)
    return results["nginx"][1]


def run_wrk(workdir, port):
    """wrk -t1 -c32 -d5s with a 600-byte POST body; requests/s, or None without wrk."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    script = os.path.join(workdir, "post.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nwrk.body = string.rep("x", 600)\n'
                'wrk.headers["Content-Type"] = "application/json"\n')
    try:
        out = subprocess.run([wrk, "-t1", "-c32", "-d5s", "-s", script, f"http://127.0.0.1:{port}/hook"],
                             capture_output=True, text=True, timeout=30).stdout
    except subprocess.TimeoutExpired:
        return None
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else None


def filesystem_rate(workdir, count):
    """The consume side of a spool in Python: rename + read + unlink per file; files/s."""
    src, dst = os.path.join(workdir, "fs-src"), os.path.join(workdir, "fs-dst")
    os.makedirs(src)
    os.makedirs(dst)
    write_messages(src, "fs", 0, count, "webhook")
    started = time.monotonic()
    for i in range(count):
        target = f"{dst}/fs-{i}.json"
        os.rename(f"{src}/fs-{i}", target)
        with open(target, "rb") as f:
            f.read()
        os.unlink(target)
    elapsed = time.monotonic() - started
    shutil.rmtree(src)
    shutil.rmtree(dst)
    return count / elapsed


def start_smtp_sink(cleanup):
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not os.access(binary, os.X_OK):
        raise RuntimeError("smtp-sink not found: apt-get install postfix")
    port = free_port()
    proc = cleanup.process(subprocess.Popen([binary, "-u", "nobody", "-c", f"127.0.0.1:{port}", "1024"],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL), "smtp-sink")
    if not wait_for_port(port, 10):
        raise RuntimeError("smtp-sink did not listen")
    return proc, port


def run_smtp_source(port, count):
    """The SMTP wire limit here: smtp-source with 32 sessions and connection reuse (-d), msgs/s."""
    binary = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    if not os.access(binary, os.X_OK):
        return None
    started = time.monotonic()
    result = subprocess.run([binary, "-d", "-s", "32", "-m", str(count), "-l", "600", f"127.0.0.1:{port}"],
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    return count / (time.monotonic() - started) if result.returncode == 0 else None
