"""How the bench prints: one flushed line at a time, rates with thousands separators, and the lines that
close a phase (a timed-out wait, how the daemon stopped). No measuring here."""


def log(text):
    print(text, flush=True)


def fmt_rate(value):
    return "-" if value is None else f"{value:,.0f}"


def report_wait(event, n, elapsed, counter, timeout):
    if elapsed is None:
        log(f"  TIMEOUT after {timeout:.0f} s waiting for {n:,} '{event}' lines: reached {counter.counts[event]:,}")


def stopped_line(herald, code, stop_time):
    seen = "seen" if herald.stopping else "NOT seen"
    return (f"stopped with exit {code} in {stop_time:.2f} s (STOPPING=1 {seen}); last STATUS={herald.status!r}; "
            f"{herald.watchdog_summary()}")
