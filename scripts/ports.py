#!/usr/bin/env python3
"""Ports for the servers the tests and benchmarks start: one that is free,
or, for a port that must be a given one, who holds it.

  scripts/ports.py              print a free port on 127.0.0.1
  scripts/ports.py --check PORT exit 1, naming the process that listens on PORT, if one does

The test scripts import free_port() and holder() from here.
"""

import socket
import subprocess
import sys


def free_port():
    """A port nothing listens on now (bound and released: the caller binds it next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def holder(port):
    """What listens on 127.0.0.1:`port` (`ss`'s line, with the process), or None."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return None
        except OSError:
            pass
    listening = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True)
    return listening.stdout.strip() or f"another process (port {port} is taken)"


if __name__ == "__main__":
    match sys.argv[1:]:
        case []:
            print(free_port())
        case ["--check", port]:
            taken = holder(int(port))
            if taken:
                sys.exit(f"port {port} is taken: {taken}")
        case _:
            sys.exit(__doc__)
