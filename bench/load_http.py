"""Load benchmark over HTTP: concurrent simulated Slack users against `refbot start` (gunicorn + Bolt).

    python bench/load_http.py                                   # SQLite, 10k contacts, 50 users, 60 s
    python bench/load_http.py --duration 20 --users 50 --contacts 10000
    python bench/load_http.py --database-url postgresql://user@host:port/postgres

Loads N references (the demo program generator, one account owner) into a fresh database — a temporary
SQLite file, or a scratch database created on the given PostgreSQL server and dropped afterwards — then
starts the local Slack Web API stand-in and RefBot's production HTTP server on loopback. Each simulated
user loops until the duration is over (or --max-actions is reached), looking at each answer before going
on, as a person would: a signed `/reference search <text>` (then its results), an app_home_opened event
when RefBot has a Home handler (then the Home view), and for a fraction of iterations a request: "Request"
button on a search result (then the form) -> request modal submission -> the owner approves from the DM.
--think adds a pause after each answer (0: none, every user is always waiting for RefBot).

Reports per kind of Slack request: count, throughput, p50/p95/p99 of the acknowledgement (the HTTP round
trip Slack waits for, 3 s limit), 5xx and other non-200 answers; how long each answer took to reach Slack;
then how many outbox rows are still pending or failed once deliveries settled. Not a test: figures
depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from refbot import db as dbmod  # noqa: E402
from refbot.domain import OutboxStatus  # noqa: E402
from refbot.models import Contact, OutboxMessage, ReferenceRequest  # noqa: E402
from refbot.playground.slack_api import SlackAPIStub  # noqa: E402
from refbot.services.demo import load_demo  # noqa: E402
from tests.support.payloads import (  # noqa: E402
    SlackClientSim,
    app_home_opened,
    block_actions,
    datepicker,
    new_trigger_id,
    plain_value,
    slash_command,
    static_select,
    view_submission,
)
from tests.support.refbot_server import RefBotServer  # noqa: E402

SECRET = "bench-signing-secret"
OWNER = "UOWNER"
WORDS = [
    "bank", "banking", "insurance", "healthcare", "retail", "germany", "uk", "france", "emea", "apac", "us",
    "cfo", "cto", "vp", "director", "technical", "business", "fraud", "onboarding", "integration", "analytics",
    "payments", "identity", "oracle", "sap", "salesforce", "call", "site visit", "5000 employees", "english",
    "german", "spanish", "enterprise", "migration", "cloud", "reference", "roi", "security", "xyzzy",
]


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []
        self.actions = 0
        self.seen: dict[str, list[float]] = defaultdict(list)  # until the answer reached Slack
        self.unanswered: dict[str, int] = defaultdict(int)

    def answered(self, kind: str, sent_at: float, call) -> None:
        with self.lock:
            if call is None:
                self.unanswered[kind] += 1
            else:
                self.seen[kind].append(max(0.0, call.at - sent_at))

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1
            self.actions += 1


class Answers:
    """RefBot's answers as the stand-in records them, matched to the user waiting for each: a search's
    response_url post, a user's Home view, a request form; and the owner's approval DMs to click."""

    def __init__(self, stub: SlackAPIStub) -> None:
        self.stub = stub
        self.lock = threading.Lock()
        self.waiting: dict[tuple[str, str], tuple[threading.Event, list]] = {}
        self.approvals: deque[str] = deque()
        stub.watch(self._seen)

    def expect(self, method: str, ident: str) -> tuple[threading.Event, list]:
        slot = (threading.Event(), [])
        with self.lock:
            self.waiting[(method, ident)] = slot
        return slot

    def _seen(self, call) -> None:
        if not call.ok:
            return
        if call.method == "chat.postMessage" and call.args.get("channel") == OWNER:
            if "request_approve" in json.dumps(call.args.get("blocks") or ""):
                self.approvals.append(call.response.get("ts"))
            return
        ident = {"response_url": "id", "views.publish": "user_id", "views.open": "trigger_id"}.get(call.method)
        if ident is None:
            return
        with self.lock:
            slot = self.waiting.pop((call.method, str(call.args.get(ident))), None)
        if slot is not None:
            slot[1].append(call)
            slot[0].set()

    def take_approval(self) -> dict | None:
        try:
            ts = self.approvals.popleft()
        except IndexError:
            return None
        return self.stub.message(OWNER, ts)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def business_days_ahead(days: int) -> dt.date:
    day = dt.date.today()
    while days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def user_loop(n: int, *, sim: SlackClientSim, stub: SlackAPIStub, rec: Recorder, answers: Answers,
              deadline: float, max_actions: int, request_fraction: float, home: bool, seed: int,
              think_time: float, answer_timeout: float) -> None:
    rng = random.Random(seed * 1000 + n)
    user = f"ULOAD{n:03d}"
    needed_by = business_days_ahead(10).isoformat()

    def post(kind: str, payload) -> int:
        started = time.monotonic()
        try:
            status = sim.post(payload).status
        except OSError:  # no answer within the client's timeout, or the connection was dropped
            status = 0
        rec.add(kind, time.monotonic() - started, status)
        return status

    def seen(kind: str, sent_at: float, slot: tuple[threading.Event, list]):
        """Wait (like a user looking at Slack) until RefBot's answer arrived; record how long it took."""
        call = slot[1][0] if slot[0].wait(answer_timeout) else None
        rec.answered(kind, sent_at, call)
        return call

    def think() -> None:
        if think_time > 0:
            time.sleep(min(rng.uniform(0, 2 * think_time), max(0.0, deadline - time.monotonic())))

    i = 0
    while time.monotonic() < deadline and rec.actions < max_actions:
        i += 1
        text = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
        want_request = rng.random() < request_fraction
        rid = f"u{n}i{i}"
        slot = answers.expect("response_url", rid)
        sent = time.time()
        post("search", slash_command(f"search {text}", user_id=user, response_url=stub.response_url(rid)))
        answer = seen("search", sent, slot)
        think()
        if home and time.monotonic() < deadline:
            slot = answers.expect("views.publish", user)
            sent = time.time()
            post("home", app_home_opened(user))
            seen("home", sent, slot)
            think()
        if not want_request or answer is None or time.monotonic() >= deadline:
            continue
        try:
            values = [b.get("value", "") for b in _elements(answer.args.get("blocks") or [])
                      if b.get("action_id") == "request_from_search"]
            if not values:
                continue
            trigger = new_trigger_id()
            slot = answers.expect("views.open", trigger)
            sent = time.time()
            post("request button", block_actions("request_from_search", rng.choice(values), user, trigger_id=trigger))
            opened = seen("request button", sent, slot)
            if opened is None:
                continue
            view = opened.response["view"]
            form = {
                "prospect": {"value": plain_value(f"Prospect {n}-{i}")},
                "crm_id": {"value": plain_value(f"OPP-{n}-{i}")},
                "stage": {"value": static_select("evaluation")},
                "amount": {"value": plain_value("250k")},
                "needed_by": {"value": datepicker(needed_by)},
            }
            inputs = {b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"}
            post("submit", view_submission(None, {k: v for k, v in form.items() if k in inputs}, user, view=view))
            deadline_dm = time.monotonic() + 3
            message = answers.take_approval()
            while message is None and time.monotonic() < min(deadline_dm, deadline):
                time.sleep(0.05)
                message = answers.take_approval()
            if message is not None:
                post("approve", block_actions("request_approve", user_id=OWNER, message=message))
        except (AssertionError, LookupError, KeyError) as exc:
            with rec.lock:
                rec.errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")


def _elements(blocks: list[dict]) -> list[dict]:
    out = []
    for block in blocks:
        if block.get("accessory"):
            out.append(block["accessory"])
        out.extend(block.get("elements") or [])
    return out


def scratch_postgres(url: str) -> tuple[str, callable]:
    server = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1)
                                if url.startswith("postgresql://") else url)
    name = f"refbot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--database-url", help="a PostgreSQL server: a scratch database is created on it")
    parser.add_argument("--request-fraction", type=float, default=0.1,
                        help="share of iterations that also submit and approve a request")
    parser.add_argument("--max-actions", type=int, default=200_000, help="stop after this many Slack requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a user pauses after seeing an answer (0: straight on)")
    parser.add_argument("--answer-timeout", type=float, default=15.0,
                        help="seconds a user waits for RefBot's answer before counting it as not seen")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="refbot-load-"))
    cleanup = None
    if args.database_url:
        url, cleanup = scratch_postgres(args.database_url)
        label = "PostgreSQL"
    else:
        url = f"sqlite:///{workdir / 'refbot.db'}"
        label = "SQLite"
    try:
        started = time.monotonic()
        dbmod.upgrade(url)
        database = dbmod.Database(url)
        with database.unit_of_work() as session:
            load_demo(session=session, today=dt.date.today(), accounts=max(1, args.contacts // 3),
                               contacts=args.contacts, seed=args.seed, owner=OWNER)
        with database.unit_of_work() as session:
            loaded = session.scalar(sa.select(sa.func.count()).select_from(Contact))
        print(f"{label}: loaded {loaded} contacts in {time.monotonic() - started:.1f} s", flush=True)
        home = importlib.util.find_spec("refbot.handlers.home") is not None

        # The stand-in shares the two cores with RefBot: spare it the Block Kit checks the tests make.
        with SlackAPIStub(validate_blocks=False) as stub:
            stub.add_user(OWNER, "Olga Owner", tz="Europe/Berlin")
            for n in range(args.users):
                stub.add_user(f"ULOAD{n:03d}", f"Load User {n}", tz="America/New_York")
            with RefBotServer(slack_api_url=stub.base_url, database_url=url, signing_secret=SECRET,
                              admins="UADMIN", workdir=workdir) as server:
                rec = Recorder()
                answers = Answers(stub)
                deadline = time.monotonic() + args.duration
                threads = [
                    threading.Thread(target=user_loop, args=(n,), daemon=True, kwargs=dict(
                        sim=SlackClientSim(server.events_url, SECRET, timeout=15), stub=stub, rec=rec,
                        answers=answers, deadline=deadline, max_actions=args.max_actions,
                        request_fraction=args.request_fraction, home=home, seed=args.seed,
                        think_time=args.think, answer_timeout=args.answer_timeout))
                    for n in range(args.users)
                ]
                load_started = time.monotonic()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(timeout=args.duration + 60)
                elapsed = time.monotonic() - load_started
                settle = time.monotonic() + 15
                while time.monotonic() < settle and _outbox(database)[OutboxStatus.pending]:
                    time.sleep(0.5)
                outbox = _outbox(database)
                server_log = server.output()
                memory = _rss_mb(server.proc.pid)
        with database.unit_of_work() as session:
            requests = session.scalar(sa.select(sa.func.count()).select_from(ReferenceRequest))
        database.dispose()
        _print_table(label, args, rec, elapsed, outbox, requests, home)
        print(f"server memory (RSS, gunicorn master and worker): {memory:.0f} MB")
        tracebacks = server_log.count("Traceback")
        print(f"server log: {tracebacks} tracebacks" + (f"; first:\n{_first_traceback(server_log)}" if tracebacks else ""))
        return 0
    finally:
        if cleanup:
            cleanup()


def _outbox(database: dbmod.Database) -> dict[OutboxStatus, int]:
    with database.unit_of_work() as session:
        rows = session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all()
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Linux /proc), in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def _first_traceback(log: str) -> str:
    start = log.index("Traceback")
    return "\n".join(log[start:].splitlines()[:25])


def _print_table(label, args, rec: Recorder, elapsed: float, outbox, requests: int, home: bool) -> None:
    print(f"\n{label}: {args.users} users, {elapsed:.1f} s, {args.contacts} contacts"
          f"{'' if home else ' (no Home handler: no app_home_opened)'}")
    header = f"{'kind':<16}{'count':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'5xx':>6}{'non-200':>9}"
    print(header)
    print("-" * len(header))
    kinds = [k for k in ("search", "home", "request button", "submit", "approve") if k in rec.latency]
    rows = [(k, rec.latency[k], rec.status[k]) for k in kinds]
    everything = [x for k in kinds for x in rec.latency[k]]
    merged: dict[int, int] = defaultdict(int)
    for k in kinds:
        for status, n in rec.status[k].items():
            merged[status] += n
    rows.append(("all", everything, merged))
    for kind, lat, statuses in rows:
        five = sum(n for s, n in statuses.items() if s >= 500)
        non200 = sum(n for s, n in statuses.items() if s != 200)
        print(f"{kind:<16}{len(lat):>8}{len(lat) / elapsed:>9.1f}{percentile(lat, 50) * 1000:>9.0f}"
              f"{percentile(lat, 95) * 1000:>9.0f}{percentile(lat, 99) * 1000:>9.0f}"
              f"{(max(lat) if lat else 0) * 1000:>9.0f}{five:>6}{non200:>9}")
    print(f"mean ack {statistics.fmean(everything) * 1000 if everything else 0:.0f} ms; requests stored: {requests}; "
          f"outbox pending {outbox[OutboxStatus.pending]}, failed {outbox[OutboxStatus.failed]}, "
          f"sent {outbox[OutboxStatus.sent]}")
    print("\nuntil the answer reached Slack (search results, Home view, request form):")
    header2 = f"{'kind':<16}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'not seen':>10}"
    print(header2)
    print("-" * len(header2))
    for kind in ("search", "home", "request button"):
        lat = rec.seen.get(kind, [])
        if lat or rec.unanswered.get(kind):
            print(f"{kind:<16}{len(lat):>8}{percentile(lat, 50) * 1000:>9.0f}{percentile(lat, 95) * 1000:>9.0f}"
                  f"{percentile(lat, 99) * 1000:>9.0f}{(max(lat) if lat else 0) * 1000:>9.0f}"
                  f"{rec.unanswered.get(kind, 0):>10}")
    print("statuses: " + ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(merged.items())))
    if rec.errors:
        print(f"client-side flow errors: {len(rec.errors)} (first: {rec.errors[0]})")


if __name__ == "__main__":
    sys.exit(main())
