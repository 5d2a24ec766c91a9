#!/usr/bin/env python3
"""`make capacity`: docs/capacity.md, what serves 10 million registered
users on AWS and what it costs a month, from the measurements of
`make bench-mix` (docs/bench-mix/N.json, the largest N measured) and the
prices of docs/deploy.md.

Every figure is either one of the assumptions listed first or computed
from a measured one; the document says which is which.
"""

import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "bench-mix"
REPORT = ROOT / "docs" / "capacity.md"

# Assumptions: the traffic of 10M registered users.
REGISTERED = 10_000_000
DAILY_ACTIVE_SHARE = 0.10   # a tenth of the registered come on a given day
VISITS_PER_DAY = 2          # per daily active user
REQUESTS_PER_VISIT = 10     # pages and API calls; hashed assets are the CDN's
PEAK_FACTOR = 3             # the busiest hour's rate over the day's mean
ANONYMOUS_SHARE = 0.90      # bench-mix's: anonymous reads; 9% signed-in, 1% writes
TARGET_UTILISATION = 0.6    # CPU a task or a database may use at peak
TASK_VCPU, TASK_GB = 2, 4
DAYS = 30.4

# Prices (us-east-1, on-demand, docs/deploy.md "Monthly cost per stage").
FARGATE_VCPU_HOUR, FARGATE_GB_HOUR = 0.04048, 0.004445
DB_CLASSES = [  # class, vCPU, GiB of memory, dollars per instance-month (estimates, docs/deploy.md)
    ("db.r6gd.large", 2, 16, 190),
    ("db.r6gd.xlarge", 4, 32, 380),
    ("db.r6gd.2xlarge", 8, 64, 760),
    ("db.r6gd.4xlarge", 16, 128, 1520),
    ("db.r6gd.8xlarge", 32, 256, 3040),
]
CLUSTER_INSTANCES = 3       # a Multi-AZ DB cluster: the writer and two readable standbys
CDN_PER_10K_REQUESTS, CDN_PER_GB = 0.01, 0.085
ALB_MONTH, ALB_LCU_MONTH = 16.43, 5.84
RDS_PROXY_VCPU_HOUR = 0.015
# docs/deploy.md's `scale` column: endpoints, public IPv4, WAF, secrets and
# KMS, logs and monitoring, Amplify and S3.
OTHER_MONTH = 63 + 30 + 309 + 10 + 150 + 20


def main():
    measured = sorted((json.loads(p.read_text()) for p in RESULTS.glob("*.json")), key=lambda r: r["users"])
    if not measured:
        sys.exit("capacity: no docs/bench-mix/*.json yet: run make bench-mix first")
    m = measured[-1]
    on, off = m["runs"]["cache on"], m["runs"]["cache off"]
    cdn_hit = on["tiers"].get("responses", {}).get("ratio", 0.0)

    daily_active = REGISTERED * DAILY_ACTIVE_SHARE
    per_day = daily_active * VISITS_PER_DAY * REQUESTS_PER_VISIT
    mean = per_day / 86_400
    peak = mean * PEAK_FACTOR
    origin_share = 1 - ANONYMOUS_SHARE * cdn_hit
    origin_peak = peak * origin_share
    # A request that gets past the CDN is a harder one than the average of
    # the mix (the CDN keeps the easy ones): sized on the caches-off costs.
    server_vcpu = origin_peak * off["server_cpu_ms"] / 1000
    db_vcpu = origin_peak * off["postgres_cpu_ms"] / 1000
    tasks = max(2, math.ceil(server_vcpu / (TASK_VCPU * TARGET_UTILISATION)))
    data_gib = m["data"]["bytes"] / 2**30 * (REGISTERED / m["users"])
    # The smallest class whose cluster carries the peak and holds the data in memory.
    db_class = next((c for c in DB_CLASSES
                     if c[1] * CLUSTER_INSTANCES * TARGET_UTILISATION >= db_vcpu and c[2] >= data_gib),
                    DB_CLASSES[-1])
    per_month = per_day * DAYS
    page_kb = m["page_bytes_compressed"] / 1000
    gb_month = per_month * page_kb / 1e6
    lcus = max(1.0, mean * origin_share * page_kb * 3600 / 1e6)
    costs = [
        ("Fargate", f"{tasks} tasks × {TASK_VCPU} vCPU / {TASK_GB} GB, always on",
         tasks * (TASK_VCPU * FARGATE_VCPU_HOUR + TASK_GB * FARGATE_GB_HOUR) * 730),
        ("RDS", f"Multi-AZ DB cluster, {CLUSTER_INSTANCES} × {db_class[0]}", CLUSTER_INSTANCES * db_class[3]),
        ("RDS storage", f"{data_gib * 1.5:.0f} GB × {CLUSTER_INSTANCES} (data and 50% room), gp3",
         data_gib * 1.5 * CLUSTER_INSTANCES * 0.115),
        ("CloudFront", f"{per_month / 1e6:.0f}M requests, {gb_month / 1000:.1f} TB of pages",
         per_month / 10_000 * CDN_PER_10K_REQUESTS + gb_month * CDN_PER_GB),
        # An LCU is 1 GB an hour processed, or 25 new connections a second,
        # or 1,000 rule evaluations a second: here the bytes decide.
        ("ALB", f"{per_month * origin_share / 1e6:.0f}M requests reach it, {lcus:.1f} LCU on average",
         ALB_MONTH + lcus * ALB_LCU_MONTH),
        ("RDS Proxy", f"{CLUSTER_INSTANCES} × {db_class[1]} vCPU behind it",
         RDS_PROXY_VCPU_HOUR * CLUSTER_INSTANCES * db_class[1] * 730),
        ("the rest", "endpoints, public IPv4, WAF, secrets, logs, Amplify and S3 (docs/deploy.md, `scale`)",
         OTHER_MONTH),
    ]
    total = sum(c[2] for c in costs)

    lines = [
        "# Capacity at 10 million users",
        "",
        "Written by `make capacity` (scripts/capacity.py) from the measurements of `make bench-mix` "
        f"(docs/bench-mix/{m['users']}.json: {m['users']:,} users, {m['date']}, commit {m['commit']}); "
        "do not edit by hand.",
        "",
        "## Assumptions",
        "",
        "| Assumption | Value |",
        "|---|---:|",
        f"| registered users | {REGISTERED:,} |",
        f"| share active on a day | {DAILY_ACTIVE_SHARE:.0%} ({daily_active:,.0f} daily actives) |",
        f"| visits per active user per day | {VISITS_PER_DAY} |",
        f"| requests per visit (pages and API calls; hashed assets are the CDN's) | {REQUESTS_PER_VISIT} |",
        f"| busiest hour over the day's mean | {PEAK_FACTOR}× |",
        f"| anonymous reads / signed-in / writes | 90% / 9% / 1% (the mix of `make bench-mix`) |",
        f"| CPU a task or a database instance may use at peak | {TARGET_UTILISATION:.0%} |",
        "| an AWS vCPU does what one core of the benchmark machine does | (a vCPU is a hyperthread: conservative) |",
        "",
        "## Measured (the largest data set, same run)",
        "",
        "| Measurement | Caches on | Caches off |",
        "|---|---:|---:|",
        f"| requests/s on 2 cores | {on['rps']:,.0f} | {off['rps']:,.0f} |",
        f"| server CPU per request | {on['server_cpu_ms']:.3f} ms | {off['server_cpu_ms']:.3f} ms |",
        f"| PostgreSQL CPU per request | {on['postgres_cpu_ms']:.3f} ms | {off['postgres_cpu_ms']:.3f} ms |",
        f"| p99 | {on['p99']:.1f} ms | {off['p99']:.1f} ms |",
        f"| hit ratio of the anonymous response tier | {cdn_hit:.3f} | - |",
        f"| the home page, compressed as the CDN sends it | {page_kb:.1f} kB | |",
        f"| data set on disk, scaled to 10M users | {data_gib:.0f} GiB | |",
        "",
        "## What it takes",
        "",
        f"- Requests: {per_day / 1e6:,.0f}M a day, {mean:,.0f}/s on average, **{peak:,.0f}/s at peak**.",
        f"- The CDN answers anonymous reads it holds. Its hit ratio is taken as the response tier's "
        f"measured {cdn_hit:.2f} (the same anonymous keys, and a bound from below: CloudFront's cache is "
        f"one for all instances and far larger than 128 MiB). So {origin_share:.0%} of requests reach "
        f"the origin: **{origin_peak:,.0f}/s at peak**.",
        f"- Servers: {origin_peak:,.0f}/s × {off['server_cpu_ms']:.3f} ms = {server_vcpu:.1f} vCPU busy; at "
        f"{TARGET_UTILISATION:.0%} of {TASK_VCPU} vCPU each, **{tasks} tasks** (never fewer than 2, one per "
        "Availability Zone). Autoscaling (docs/deploy.md) adds tasks above that.",
        f"- Database: {origin_peak:,.0f}/s × {off['postgres_cpu_ms']:.3f} ms = {db_vcpu:.1f} vCPU busy, 99% of it "
        f"reads, which the two readable standbys and the writer share; the data, {data_gib:.0f} GiB, should "
        f"fit in memory: **{CLUSTER_INSTANCES} × {db_class[0]}** ({db_class[1]} vCPU, {db_class[2]} GiB each).",
        f"- CDN: **{cdn_hit:.0%} or better** of anonymous reads answered at the edge.",
        "",
        "## Monthly cost",
        "",
        "| Part | What | Per month |",
        "|---|---|---:|",
    ]
    lines += [f"| {part} | {what} | ${cost:,.0f} |" for part, what, cost in costs]
    lines += [
        f"| **total** | | **${total:,.0f}** |",
        "",
        "On-demand prices; a 1-year Savings Plan and reserved database instances take 30–40% off "
        "(docs/deploy.md). The database prices are estimates from the instance classes; check them in "
        "the AWS Pricing Calculator.",
        "",
        f"Computed {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    REPORT.write_text("\n".join(lines))
    print(f"capacity: {tasks} tasks, {CLUSTER_INSTANCES} × {db_class[0]}, CDN hit {cdn_hit:.2f}, "
          f"${total:,.0f} a month (docs/capacity.md)")


if __name__ == "__main__":
    main()
