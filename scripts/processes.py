"""CPU the benchmarks charge to each request: the user and system time of
processes, read from /proc."""

import os
import subprocess
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")


def ticks(pids):
    """Clock ticks of CPU (user + system) the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def pids_of(name):
    """The processes called exactly `name`."""
    return [int(p) for p in subprocess.run(["pgrep", "-x", name], capture_output=True,
                                           text=True).stdout.split()]


def ms_per_request(ticks_used, requests):
    return ticks_used * 1000 / HZ / max(requests, 1)


def snapshot(pids):
    """Each process's ticks now, for `used_since`."""
    return {pid: ticks([pid]) for pid in pids}


def used_since(before, pids):
    """Ticks `pids` used since `before`: a process that was there then
    counts what it used since; one that started since counts all it used;
    one that ended since is not counted (its last ticks are gone)."""
    total = 0
    for pid in pids:
        now = ticks([pid])
        if now:
            total += now - before.get(pid, 0)
    return total
