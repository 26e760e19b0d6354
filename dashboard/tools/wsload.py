"""Simulated users that speak Streamlit's own websocket protocol, without a browser (issue 16).

Each simulated user opens a websocket on ``/_stcore/stream`` as the front end does (subprotocol
``streamlit``, same-origin ``Origin``), then sends the messages the front end sends: a
``BackMsg.rerun_script`` with the page's name and query string to open a page, and the same with a
changed widget state to pick a territory in the sidebar. A step lasts from the message sent until the
server's ``script_finished`` for that run (a run ended early for a newer one does not count); an
exception element in the page, a ``page_not_found`` or a timeout is an error. No chart is drawn:
this measures the server alone (the browser variant is ``dashboard/tools/load.py``).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

STEP_TIMEOUT = 120.0
# Users arrive one every ARRIVAL seconds (Locust's "spawn rate"), not all in the same instant. No
# websocket keepalive ping from the client: a browser's front end sends none either.
ARRIVAL = 0.5
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# (page's URL path without "/", query string): the walk of a director or an animateur
WALK = [
    ("", ""),
    ("q1_gouvernance", ""),
    ("q3_info_sante_emploi", "territoire=Is%C3%A8re+%2838%29"),
    ("q4_animations_territoriales", "territoire=CME+Loire"),
    ("q6_indicateurs_maintien", "periode=2017&periode=2020"),
    ("comparaison", "indicateur=Q4.C3.I1"),
    ("regions", ""),
    ("bilan", "cme=CME42&annee=2019"),
    ("q2_diagnostics_plans", "territoire=CME+Savoie"),
    ("q5_information_communication", ""),
]
# a filter change: on this page, the sidebar's territory picked among these (their labels)
CHANGE_PAGE = "q3_info_sante_emploi"
CHANGE_TERRITORIES = ["CME Loire", "CME Isère", "Savoie (73)", "CME Ain", "Rhône-Alpes (toute la région)"]


@dataclass
class Step:
    name: str
    seconds: float
    error: str | None = None


@dataclass
class Run:
    """What the server sent for one script run."""

    finished: bool = False
    exception: str | None = None
    not_found: bool = False
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)   # label -> (widget id, type)
    texts: list[str] = field(default_factory=list)                      # markdown and captions shown
    downloads: dict[str, str] = field(default_factory=dict)             # download button id -> its URL


class Session:
    """One simulated user: one websocket, one Streamlit session."""

    def __init__(self, base_url: str, cookie: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie            # a Cookie header (e.g. the proxy's sticky-session cookie)
        self.ws = None
        self.widgets: dict[str, tuple[str, str]] = {}
        self.page = ""
        self.query = ""

    async def __aenter__(self) -> Session:
        import websockets

        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws = await websockets.connect(f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream",
                                           subprotocols=["streamlit"], origin=self.base_url, max_size=None,
                                           open_timeout=STEP_TIMEOUT, ping_interval=None, max_queue=None,
                                           additional_headers={"Cookie": self.cookie} if self.cookie else None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def open(self, page: str, query: str = "") -> Run:
        """Open a page by its URL path and query string, as a navigation does."""
        self.page, self.query = page, query
        return await self._rerun()

    async def pick(self, label: str, value: str) -> Run:
        """Pick ``value`` (an option's label) in the select box labelled ``label`` of the last run."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget_id, _ = self.widgets[label]
        state = WidgetState(id=widget_id, string_value=value)
        return await self._rerun([state])

    async def _rerun(self, states=()) -> Run:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = self.page
        msg.rerun_script.widget_states.widgets.extend(states)
        await self.ws.send(msg.SerializeToString())
        run = Run()
        while True:
            data = await asyncio.wait_for(self.ws.recv(), STEP_TIMEOUT)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    run.exception = element.exception.message or element.exception.type
                elif which == "selectbox":
                    run.widgets[element.selectbox.label] = (element.selectbox.id, which)
                elif which == "markdown":
                    run.texts.append(element.markdown.body)
                elif which == "download_button":
                    run.downloads[element.download_button.id] = element.download_button.url
            elif kind == "page_not_found":
                run.not_found = True
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                run.finished = fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                break
        self.widgets.update(run.widgets)
        return run


async def timed(name: str, action) -> Step:
    start = time.perf_counter()
    try:
        run = await action
    except (TimeoutError, asyncio.TimeoutError):
        return Step(name, time.perf_counter() - start, "délai dépassé")
    except Exception as exc:  # noqa: BLE001 - a closed connection or a protocol error is an error of the step
        return Step(name, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    if run.not_found:
        return Step(name, seconds, "page introuvable")
    if run.exception:
        return Step(name, seconds, f"exception : {run.exception}")
    if not run.finished:
        return Step(name, seconds, "script non terminé")
    return Step(name, seconds)


async def user(base_url: str, deadline: float, rng: random.Random, think: tuple[float, float],
               steps: list[Step], delay: float = 0.0) -> None:
    """One simulated user until ``deadline``, arriving after ``delay`` seconds: the walk from a random
    point, a territory change on the Q3 page every few steps, a think time between steps. A closed
    connection ends the user (its step counts as an error)."""
    await asyncio.sleep(delay)
    async with Session(base_url) as s:
        n = rng.randrange(len(WALK))
        while time.monotonic() < deadline:
            page, query = WALK[n % len(WALK)]
            steps.append(await timed(f"/{page}" + (f"?{query}" if query else ""), s.open(page, query)))
            if s.ws.state.name == "CLOSED":
                return
            if page == CHANGE_PAGE and "Territoire" in s.widgets and time.monotonic() < deadline:
                await asyncio.sleep(rng.uniform(*think))
                steps.append(await timed("changement de territoire",
                                         s.pick("Territoire", rng.choice(CHANGE_TERRITORIES))))
            n += 1
            await asyncio.sleep(rng.uniform(*think))


async def run_sessions(base_url: str, sessions: int, duration: float, seed: int = 2026,
                       think: tuple[float, float] = (1.0, 3.0)) -> list[Step]:
    """``sessions`` simulated users for ``duration`` seconds (a step begun before the end finishes)."""
    steps: list[Step] = []
    deadline = time.monotonic() + duration
    rng = random.Random(seed)
    await asyncio.gather(*(user(base_url, deadline, random.Random(rng.random()), think, steps, n * ARRIVAL)
                           for n in range(sessions)))
    return steps


def _quantile(times: list[float], p: float) -> float:
    return times[min(len(times) - 1, int(round(p * (len(times) - 1))))] if times else float("nan")


def _fr(seconds: float) -> str:
    return f"{seconds:.2f}".replace(".", ",")


def report(steps: list[Step], sessions: int, elapsed: float, server_cpu: float | None,
           peak_mb: list[float] | float | None, processes: int = 1, warm_up: float | None = None,
           ) -> tuple[str, int]:
    """Markdown table for docs/benchmarks.md, per step kind, and the last line scripts read:
    ``load: sessions=N steps=S errors=E p50=X,XX s p95=Y,YY s``. ``peak_mb``: each server process's
    peak RSS; ``warm_up``: seconds of the servers' background warm-up, waited for before the load."""
    import datetime as dt
    import os
    import platform
    import statistics

    ok = sorted(s.seconds for s in steps if s.error is None)
    errors = [s for s in steps if s.error is not None]
    cores = os.cpu_count() or 1
    cpu = (f"{server_cpu:.0f} s of {elapsed * cores:.0f} s ({server_cpu / (elapsed * cores):.0%})"
           if server_cpu is not None else "—")
    peaks = [peak_mb] if isinstance(peak_mb, (int, float)) else (peak_mb or [])
    peak = " + ".join(f"{p:.0f} MB" for p in peaks) if peaks else "—"
    served = "one server process" if processes == 1 else f"{processes} server processes behind nginx"
    warm = (f"; the servers' background warm-up ({warm_up:.0f} s) had ended before the load began"
            if warm_up is not None else "")
    lines = [
        f"Measured on {dt.date.today().strftime('%d/%m/%Y')}, {platform.machine()}, {cores} cores; {sessions} "
        f"simulated users speaking Streamlit's websocket protocol (no browser) for {elapsed:.0f} s against "
        f"{served}{warm}; a step lasts until the server has finished the page's script run.",
        "",
        "| steps | errors | p50 | p95 | max | server peak RSS | server CPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {len(steps)} | {len(errors)} | {_fr(_quantile(ok, 0.5))} s | {_fr(_quantile(ok, 0.95))} s | "
        f"{_fr(_quantile(ok, 1.0))} s | {peak} | {cpu} |",
        "",
        "| step | count | median | p95 |",
        "| --- | --- | --- | --- |",
    ]
    per: dict[str, list[float]] = {}
    for s in steps:
        if s.error is None:
            per.setdefault(s.name.split("?")[0], []).append(s.seconds)
    for name, ts in sorted(per.items()):
        ts.sort()
        lines.append(f"| `{name}` | {len(ts)} | {_fr(statistics.median(ts))} s | {_fr(_quantile(ts, 0.95))} s |")
    if errors:
        lines += ["", "Errors:"] + [f"- {s.name}: {s.error}" for s in errors[:20]]
    lines += ["", f"load: sessions={sessions} steps={len(steps)} errors={len(errors)} "
                  f"p50={_fr(_quantile(ok, 0.5))} s p95={_fr(_quantile(ok, 0.95))} s"]
    return "\n".join(lines), len(errors)


def _warm(servers: list[str], logs: list[Path], timeout: float) -> float:
    """Open the home page once on each process (a page run starts its background warm-up), then wait
    until every process's log says the warm-up ended; the longest warm-up, in seconds."""
    from dashboard.tools.browser import _wait_prewarm

    async def touch(base: str) -> None:
        async with Session(base) as s:
            await s.open("", "")

    for base in servers:
        asyncio.run(touch(base))
    deadline = time.monotonic() + timeout
    longest = 0.0
    for log in logs:        # one deadline for all; each log is read at least once
        try:
            longest = max(longest, _wait_prewarm(log, max(0.5, deadline - time.monotonic())))
        except RuntimeError as exc:
            raise SystemExit(f"{exc} ({log})") from None
    return longest


def run(sessions: int | list[int], duration: float, base_url: str | None = None, database_url: str | None = None,
        processes: int = 1, warm: bool = True) -> tuple[str, int]:
    """Against ``base_url``, or ``processes`` server processes started here on ``database_url`` (one
    directly, several behind nginx: ``dashboard.tools.cluster``), whose CPU and peak memory are then
    reported; with ``warm``, their background warm-up has ended before the load begins, as on a server
    that has been running. Loopback only: a base URL must point at this machine."""
    import shutil
    import tempfile

    from dashboard.tools.load import _cpu_seconds, _peak_rss_mb, start_server

    if base_url is not None and (urlsplit(base_url).hostname or "") not in LOOPBACK:
        raise SystemExit(f"test de charge en boucle locale seulement : {base_url} n'est pas sur cette machine")
    cluster = None
    pids: list[int] = []
    logs_dir = Path(tempfile.mkdtemp(prefix="maintien-load-logs-"))
    env = {"MAINTIEN_PREWARM": "true" if warm else "false"}
    warm_up = None
    if base_url is None:
        if processes > 1:
            from dashboard.tools.cluster import start

            cluster = start(database_url, processes, env=env, log_dir=logs_dir)
            base_url, servers = cluster.url, cluster.servers
            pids = [p.pid for p in cluster.processes[:processes]]
            logs = [logs_dir / f"streamlit-{n + 1}.log" for n in range(processes)]
        else:
            proc, base_url = start_server(database_url, logs_dir / "streamlit.log", env=env)
            from dashboard.tools.cluster import Cluster

            cluster = Cluster(url=base_url, servers=[base_url], processes=[proc])
            servers, pids, logs = [base_url], [proc.pid], [logs_dir / "streamlit.log"]
    try:
        if cluster is not None and warm:
            warm_up = _warm(servers, logs, timeout=3600)
        reports, errors = [], 0
        for count in [sessions] if isinstance(sessions, int) else sessions:   # one load after the other
            cpu0 = sum(_cpu_seconds(p) for p in pids) if pids else None
            start = time.monotonic()
            steps = asyncio.run(run_sessions(base_url, count, duration))
            elapsed = time.monotonic() - start
            cpu = sum(_cpu_seconds(p) for p in pids) - cpu0 if pids else None
            peaks = [_peak_rss_mb(p) for p in pids] if pids else None
            text, n = report(steps, count, elapsed, cpu, peaks, processes=len(pids) or 1, warm_up=warm_up)
            reports.append(text)
            errors += n
            print(text.splitlines()[-1], flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    if errors and cluster is not None:      # the servers' tracebacks, for the errors counted
        reports.insert(0, f"Server logs kept: {logs_dir}")
    else:
        shutil.rmtree(logs_dir, ignore_errors=True)
    return "\n\n".join(reports), errors
