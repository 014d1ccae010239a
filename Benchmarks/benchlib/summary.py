"""The closing table: each phase's figures beside its target or the peers' reference, with a verdict. Prints
what the phases left in `results`; measures nothing."""

from benchlib.report import fmt_rate, log
from benchlib.settings import (
    PEER_FS_C,
    PEER_SMTP_DOC,
    PEER_WRK_DOC,
    TARGET_AUDIENCE,
    TARGET_LIVECHAT,
    TARGET_LIVECHAT_RSS_KB,
    TARGET_INTAKE,
    TARGET_QUEUE_RSS_MB,
    TARGET_PUSH,
    TARGET_SMTP,
    TARGET_WEBHOOK,
)


def summary(results):
    def row(what, measured, target, verdict=""):
        log(f"  {what:<44} {measured:>14} {target:>26}  {verdict}")

    def check(value, ok):
        return "" if value is None else ("ok" if ok(value) else "MISSED")

    log("\n== summary ==")
    row("what", "measured", "target / reference")
    fs, wrk = results.get("fs_rate"), results.get("wrk")
    if "webhook" in results or "webhook_intake" in results:
        rate = results.get("webhook")
        note = f"{100 * rate / wrk:.0f}% of wrk" if rate and wrk else ""
        row("webhook delivery (msgs/s)", fmt_rate(rate), f">= {TARGET_WEBHOOK:,}",
            check(rate, lambda v: v >= TARGET_WEBHOOK) + ("  " + note if note else ""))
        row("webhook intake (files/s)", fmt_rate(results.get("webhook_intake")), "")
        row("webhook backlog drain, delivery only (msgs/s)", fmt_rate(results.get("webhook_backlog")), "")
        row("webhook peak RSS (MB)", f"{results.get('webhook_rss', 0):.1f}", "")
    if "smtp" in results:
        rate, wire = results.get("smtp"), results.get("smtp_source")
        note = f"{100 * rate / wire:.0f}% of smtp-source" if rate and wire else ""
        row("smtp delivery to smtp-sink (msgs/s)", fmt_rate(rate), f">= {TARGET_SMTP:,}",
            check(rate, lambda v: v >= TARGET_SMTP) + ("  " + note if note else ""))
        row("smtp delivery, DKIM ed25519 (msgs/s)", fmt_rate(results.get("smtp_dkim")), "")
        row("smtp peak RSS (MB)", f"{results.get('smtp_rss', 0):.1f}", "")
        row("peer: smtp-source -> smtp-sink (msgs/s)", fmt_rate(wire), f"doc: {PEER_SMTP_DOC:,}")
    if "push" in results:
        rate, wire = results.get("push"), results.get("push_h2load")
        note = f"{100 * rate / wire:.0f}% of h2load" if rate and wire else ""
        row("push: APNs over HTTP/2 + TLS (msgs/s)", fmt_rate(rate), f">= {TARGET_PUSH:,}",
            check(rate, lambda v: v >= TARGET_PUSH) + ("  " + note if note else ""))
        row("push daemon CPU per message (µs)", f"{results.get('push_cpu_us', 0):.0f}", "")
        row("push peak RSS (MB)", f"{results.get('push_rss', 0):.1f}", "")
        row("peer: h2load -> nghttpd (req/s)", fmt_rate(wire), "")
    if "audience" in results:
        rate = results.get("audience")
        row("audience: adds via generic (members/s)", fmt_rate(rate), f">= {TARGET_AUDIENCE:,}",
            check(rate, lambda v: v >= TARGET_AUDIENCE))
        row("audience daemon CPU per member (µs)", f"{results.get('audience_cpu_us', 0):.0f}", "")
        row("audience peak RSS (MB)", f"{results.get('audience_rss', 0):.1f}", "")
    if "livechat" in results:
        rate, rss = results.get("livechat"), results.get("livechat_rss_kb")
        row("livechat: one message to each visitor (msgs/s)", fmt_rate(rate), f">= {TARGET_LIVECHAT:,}",
            check(rate, lambda v: v >= TARGET_LIVECHAT))
        row("livechat RSS per idle stream (KB)", "-" if rss is None else f"{rss:.1f}", f"<= {TARGET_LIVECHAT_RSS_KB}",
            check(rss, lambda v: v <= TARGET_LIVECHAT_RSS_KB) + "  Centrifugo: ~30 KB")
        row("livechat daemon CPU per message (µs)", f"{results.get('livechat_cpu_us', 0):.0f}", "")
    if "policy_on" in results:
        off, on = results["policy_off"], results["policy_on"]
        cost = f"{100 * (off - on) / off:.0f}% slower" if off else ""
        row("delivery, no policy (msgs/s, median of 3)", fmt_rate(off), "")
        row("delivery, quiet hours + cap + 100k suppressed", fmt_rate(on), "within 10%",
            check(on, lambda v: off and v >= 0.9 * off) + ("  " + cost if cost else ""))
        repeat = results.get("policy_repeat")
        row("the same, each recipient mailed 10 times", fmt_rate(repeat), "",
            f"{100 * (off - repeat) / off:.0f}% slower" if off and repeat else "")
        cpu_off = results.get("policy_cpu_off")
        for variant, label in (("off", "no policy"), ("on", "with the policy"), ("repeat", "policy, repeats")):
            spent = results.get(f"policy_cpu_{variant}")
            if spent is None:
                continue
            change = f"{100 * (spent - cpu_off) / cpu_off:+.0f}%" if cpu_off and variant != "off" else ""
            row(f"daemon CPU per message, {label} (µs)", f"{spent:.0f}", "", change)
    if "intake" in results:
        rate = results.get("intake")
        note = f"{100 * rate / fs:.0f}% of Python fs" if rate and fs else ""
        row("queue intake (files/s)", fmt_rate(rate), f">= {TARGET_INTAKE:,}",
            check(rate, lambda v: v >= TARGET_INTAKE) + ("  " + note if note else ""))
        rss = results.get("queue_rss")
        row("queue peak RSS (MB)", f"{rss:.1f}" if rss else "-", f"<= {TARGET_QUEUE_RSS_MB}",
            check(rss, lambda v: v <= TARGET_QUEUE_RSS_MB))
        idle, seconds = results.get("idle_cpu"), results.get("idle_seconds")
        if seconds is not None:  # absent when the run was interrupted before the idle measurement
            row(f"idle CPU (CPU s in {seconds:.0f} s)", f"{idle:.2f}" if idle is not None else "-",
                "~0", check(idle, lambda v: v <= 0.01 * seconds))
        if results.get("restart") is not None:
            row("restart with full queue to READY=1 (s)", f"{results['restart']:.2f}", "")
    if "retention" in results:
        retention = results["retention"]
        late = [size for _, size in retention["readings"]][-5:]
        spread = retention["spread"]
        row("queue.sqlite+wal, last 5 of every 100k (MB)", " ".join(f"{s / 2**20:.0f}" for s in late),
            "within 10%", "" if retention["ok"] is None else
            ("ok" if retention["ok"] else "MISSED") + f"  spread {100 * spread:.1f}%")
    row("peer: wrk -> nginx (req/s)", fmt_rate(wrk), f"doc: {PEER_WRK_DOC:,}")
    row("peer: rename+read+unlink, Python (files/s)", fmt_rate(fs), f"doc (C): {PEER_FS_C:,}")
