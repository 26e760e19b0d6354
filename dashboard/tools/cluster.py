"""Several app processes behind nginx, on this machine: `python -m dashboard.tools.cluster` (`make run-multi`).

Starts N `streamlit run app.py` processes on free loopback ports against one store (PostgreSQL through
``DATABASE_URL`` for a real deployment; SQLite works for a try), then nginx from Debian with
``deploy/nginx.conf.template`` filled in (sticky sessions by cookie, websockets), and serves
http://127.0.0.1:PORT until Ctrl-C. The processes share one cookie secret (Streamlit's XSRF token and
sign-in cookies must verify in every process) and trust the proxy's ``X-Forwarded-For``.

What each process keeps in memory (page caches, the warm-up) is keyed on the store's data version,
which every import bumps in the database: after an import through one process, the next page run of
every other process reads the new version and computes afresh (tests/test_cluster.py). See
docs/deployment.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.tools.load import ROOT, free_port, start_server

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"


def nginx_conf(listen: str, upstreams: list[str], prefix: Path, body_mb: int, as_root: bool) -> str:
    """The proxy's configuration for these upstream addresses (``host:port``)."""
    return TEMPLATE.read_text().format(
        user="user root;" if as_root else "", prefix=prefix, body_mb=body_mb, listen=listen,
        upstreams="\n".join(f"        server {u};" for u in upstreams))


@dataclass
class Cluster:
    url: str
    servers: list[str]                        # each process's own URL (bypassing the proxy)
    processes: list[subprocess.Popen] = field(default_factory=list)
    prefix: Path | None = None

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)


def start(database_url: str, processes: int = 2, port: int | None = None, env: dict[str, str] | None = None,
          log_dir: Path | None = None) -> Cluster:
    """N app processes and nginx in front; returns when the proxy answers."""
    from data_access.settings import get_settings

    if not Path(NGINX).exists():
        raise RuntimeError(f"nginx absent ({NGINX}) : paquet Debian « nginx »")
    prefix = Path(tempfile.mkdtemp(prefix="maintien-nginx-"))
    log_dir = log_dir or prefix
    shared = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32), "MAINTIEN_TRUSTED_PROXY": "true",
              **(env or {})}
    cluster = Cluster(url="", servers=[], prefix=prefix)
    try:
        for n in range(processes):
            proc, base = start_server(database_url, log_dir / f"streamlit-{n + 1}.log", env=shared)
            cluster.processes.append(proc)
            cluster.servers.append(base)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / sub).mkdir()
        port = port or free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf(f"127.0.0.1:{port}", [s.removeprefix("http://") for s in cluster.servers],
                                   prefix, int(get_settings().import_max_mb) + 5, os.geteuid() == 0))
        cluster.processes.append(subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        cluster.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return cluster
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"nginx ne répond pas : {(prefix / 'error.log').read_text(errors='replace')[-2000:]}")
    except BaseException:
        cluster.stop()
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.tools.cluster",
                                     description="plusieurs processus de l'application derrière nginx")
    parser.add_argument("--processus", type=int, default=2, help="processus Streamlit (défaut 2)")
    parser.add_argument("--port", type=int, default=8080, help="port du mandataire (défaut 8080)")
    args = parser.parse_args(argv)
    from data_access.settings import get_settings

    cluster = start(get_settings().database_url, args.processus, args.port, log_dir=ROOT / "data")
    print(f"{args.processus} processus derrière nginx : {cluster.url}  (Ctrl-C pour arrêter)")
    for s in cluster.servers:
        print(f"  processus : {s}")
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
