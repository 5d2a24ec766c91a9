"""wrk's figures, read from its output (`--latency`): what the benchmarks
that run wrk share."""

import re


def latency_ms(text):
    """wrk's latency ("812.00us", "2.31ms", "1.02s") in milliseconds."""
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def figures(out):
    """Requests per second, requests, p50 and p99 as wrk prints them, and
    the failures: socket errors and answers other than 2xx or 3xx."""
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1),
        "p99": re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1),
        "socket_errors": sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)),
        "non_2xx": sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out)),
    }
