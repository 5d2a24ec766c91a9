"""The release server as the benchmark scripts run it: on free ports, from
the repository (where it finds target/site), until it is ready."""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from shell import NAME, ROOT
from ports import free_port

SERVER = ROOT / "target" / "release" / "server"


class Server:
    """A server process over `database_url`, its metrics on a port of their
    own; `binary` another build of it; `env` more settings."""

    def __init__(self, database_url, binary=SERVER, **env):
        self.addr = f"127.0.0.1:{free_port()}"
        self.metrics_addr = f"127.0.0.1:{free_port()}"
        env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url,
               "LEPTOS_SITE_ADDR": self.addr, "METRICS_ADDR": self.metrics_addr,
               "SEED_DEMO_DATA": "false",
               # A line per request would measure the log. BENCH_RUST_LOG
               # sets another filter (`warn,app::backend=info` builds the
               # service calls' spans, as the production default does).
               "RUST_LOG": os.environ.get("BENCH_RUST_LOG", "warn"), **env}
        # The log is kept for a server that cannot start (a bundle it does
        # not find, a database it cannot reach): the reason is in it.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([str(binary)], env=env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://{self.addr}/readyz", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    self.log.seek(0)
                    last = self.log.read().decode(errors="replace").strip().splitlines()[-5:]
                    sys.exit(f"{NAME}: {binary} exited on start:\n" + "\n".join(last))
                time.sleep(0.1)
        self.stop()
        sys.exit(f"{NAME}: {binary} did not become ready on {self.addr}")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def stop(self):
        self.process.terminate()
        self.process.wait()
        self.log.close()

    def sign_in(self, username, password):
        """A session token of `username` (whose e-mail is username@example.com,
        as the benchmarks' data sets make them)."""
        request = urllib.request.Request(
            f"http://{self.addr}/api/users/login", method="POST",
            data=json.dumps({"user": {"email": f"{username}@example.com",
                                      "password": password}}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.load(answer)["user"]["token"]

    def metrics(self):
        """What its metrics listener serves now."""
        with urllib.request.urlopen(f"http://{self.metrics_addr}/metrics", timeout=5) as answer:
            return answer.read().decode()
