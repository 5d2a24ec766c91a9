"""What the benchmark scripts share: a line of progress, a command that
must succeed, and the database server to use."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = Path(sys.argv[0]).stem


def say(message):
    """A line of progress, on stderr."""
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(*args, **kwargs):
    """The command's output; the script stops, with its error, if it fails."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode:
        sys.exit(f"{NAME}: {args[0]} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def base_url():
    """`DATABASE_URL`'s server, or the private cluster's (started if need
    be), without a database name."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        run(str(ROOT / "scripts" / "pg.sh"), "start")
        url = run(str(ROOT / "scripts" / "pg.sh"), "url").strip()
    return url.rsplit("/", 1)[0]
