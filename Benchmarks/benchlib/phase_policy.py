"""The policy phase: what quiet hours, a frequency cap and a suppression list cost the backlog drain."""

import time

from benchlib.backlog import drain_rate
from benchlib.peers import nginx_port
from benchlib.report import fmt_rate, log


def policy_tables():
    """Quiet hours that are not now (so every message is checked and passes), a cap nobody reaches."""
    hour = (time.gmtime().tm_hour + 3) % 24
    return (f'[policy]\nquiet_hours = {{ start = "{hour:02d}:00", end = "{(hour + 2) % 24:02d}:00" }}\n'
            'frequency_cap = [ { max = 1000, per = "1d" } ]\n')


# The third variant: the same policy, with the messages going to 1 in 10 as many people (each mailed ten
# times), so every cap check after the first finds history to count.
VARIANTS = (("off", False, None), ("on", True, None), ("repeat", True, 10))


def phase_policy(workdir, args, results, cleanup):
    """The sending policy's cost: the webhook backlog drain without and with quiet hours, a frequency cap and
    100,000 suppressed addresses (and once more with each recipient mailed ten times), alternated three times so
    drift on the machine hits all alike; the median of each (single runs here vary by ±15%)."""
    log(f"\n== policy: {args.messages:,} messages, backlog drain, without and with the policy ==")
    port = nginx_port(workdir, results, cleanup)
    runs = {name: [] for name, _, _ in VARIANTS}
    cpu = {name: [] for name, _, _ in VARIANTS}
    for round_ in range(3):
        for variant, on, per_person in VARIANTS:
            people = max(1, args.messages // per_person) if per_person else None
            rate = drain_rate(workdir, args, cleanup, port, f"policy-{variant}-{round_}",
                              policy_tables() if on else "", 100_000 if on else 0, cpu[variant],
                              args.perf and round_ == 0 and f"{args.perf}.policy-{variant}", people)
            runs[variant].append(rate or 0)
            spent = f", {cpu[variant][-1]:.0f} µs CPU/msg" if len(cpu[variant]) > round_ else ""
            log(f"  policy {variant} (round {round_ + 1}): {fmt_rate(rate)} msgs/s{spent}")
    for variant in runs:
        results[f"policy_{variant}"] = sorted(runs[variant])[1]
        if len(cpu[variant]) == 3:
            results[f"policy_cpu_{variant}"] = sorted(cpu[variant])[1]
