"""Fault tests of issue 5 on the production topology (`make run-prod`'s shape): nginx in front of two
web apps, two Rasa replicas and two action servers, with a PostgreSQL cluster and a redis-server of
the tests' own. One part at a time is stopped while a user talks through the public port over HTTP
(the widget's fallback: POST /chat/session, POST /chat/messages); then it is started again.

Whatever stops, every message gets within 5 seconds either the assistant's real answer or a kind
answer with the hotline's number (and hours and 112); no handoff is lost or duplicated; and
everything recovers by itself when the part comes back. The one setting changed for the tests is
the claim timeout (15 s instead of 10 minutes), so a user nobody answered is back with the
assistant in time to ask for a person again. `make test` runs these last
(`pytest -m faults`); they need nginx, redis-server, PostgreSQL's initdb and root or the postgres
user, and skip with the reason otherwise. The topology's logs, the measured times (timings.json)
and scenario 3's users and cases (handoffs.json) are kept in results/faults/.
"""

import atexit
import hashlib
import hmac
import json
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from bot.knowledge.contacts import route
from tests.support.production import (
    ROOT, PostgresCluster, RedisServer, Topology, become_subreaper, free_port, ps_lines, reap_children,
)
from tests.test_web_chat import assert_points_to_the_hotline

pytestmark = pytest.mark.faults

# The topology's ports: a range no other test uses (they use 5105-5180, 6105-6199, 8000-8020).
PORTS = {
    "PROD_WEB_PORT": 7000, "RASA_PORT": 7005, "ACTION_PORT": 7055,
    "RASA_1_PORT": 7015, "RASA_2_PORT": 7025, "ACTION_1_PORT": 7065, "ACTION_2_PORT": 7075,
    "WEB_1_PORT": 7010, "WEB_2_PORT": 7020,
}
RASA_PORTS = {"rasa-1": PORTS["RASA_1_PORT"], "rasa-2": PORTS["RASA_2_PORT"]}
LOG_DIR = ROOT / "results" / "faults"
MODEL = ROOT / "models" / "current.tar.gz"

DEADLINE_SECONDS = 5.0      # every message is answered within this, whatever has stopped
RECOVERY_SECONDS = 180      # a part that comes back is used again by itself within this
RASA_LOAD_SECONDS = 300
MESSAGE_PAUSE_SECONDS = 3.2  # between messages of one conversation: under 20 a minute (rate limit)
CLAIM_TIMEOUT_SECONDS = 15   # instead of 10 minutes (bot/web/settings.yml): see scenario 3

HOTLINE = route("hotline")
CASE_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")

WORRY = "jeg er bekymret for min søn, han har ændret sig meget"
ASK_FOR_A_PERSON = "kan jeg ikke bare tale med et rigtigt menneske"


# -- what the user gets ---------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    body: object
    seconds: float

    @property
    def events(self) -> list[dict]:
        return self.body.get("events", []) if isinstance(self.body, dict) else []

    @property
    def assistant(self) -> list[str]:
        """The assistant's own messages (and a handoff's status change)."""
        return [e.get("text", "") for e in self.events if e.get("type") in {"bot", "status"}]

    @property
    def real(self) -> bool:
        return self.status == 200 and bool(self.assistant)

    @property
    def text(self) -> str:
        parts = [e.get("text", "") for e in self.events]
        if isinstance(self.body, dict) and isinstance(self.body.get("text"), str):
            parts.append(self.body["text"])
        if isinstance(self.body, str):
            parts.append(self.body)
        return "\n".join(parts)

    @property
    def case_codes(self) -> set[str]:
        codes = {e["case_code"] for e in self.events if e.get("case_code")}
        return codes | set(CASE_CODE.findall("\n".join(self.assistant)))

    def __str__(self) -> str:
        return f"HTTP {self.status} in {self.seconds:.2f}s: {json.dumps(self.body, ensure_ascii=False)[:600]}"


def points_to_the_hotline(answer: Answer) -> bool:
    try:
        assert_points_to_the_hotline(answer.text)
    except AssertionError:
        return False
    return True


@dataclass
class Report:
    """Measured times, written to results/faults/timings.json and shown at the end of the run."""

    started: float = field(default_factory=time.monotonic)
    worst: dict[str, tuple[float, str]] = field(default_factory=dict)
    messages: dict[str, int] = field(default_factory=dict)
    recovery: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def message(self, scenario: str, label: str, seconds: float) -> None:
        self.messages[scenario] = self.messages.get(scenario, 0) + 1
        if seconds > self.worst.get(scenario, (-1.0, ""))[0]:
            self.worst[scenario] = (seconds, label)

    def lines(self) -> list[str]:
        lines = [f"fault tests: {time.monotonic() - self.started:.0f}s including the topology's start and stop"]
        for scenario, (seconds, label) in self.worst.items():
            lines.append(f"  {scenario}: {self.messages[scenario]} messages, slowest {seconds:.2f}s ({label})")
        for what, seconds in self.recovery.items():
            lines.append(f"  recovered: {what} in {seconds:.1f}s")
        lines += [f"  note: {note}" for note in self.notes]
        return lines

    def save(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        (LOG_DIR / "timings.json").write_text(json.dumps({
            "total_seconds": round(time.monotonic() - self.started, 1),
            "slowest_message": {s: {"seconds": round(t, 2), "message": label} for s, (t, label) in self.worst.items()},
            "messages": self.messages,
            "recovery_seconds": {what: round(t, 1) for what, t in self.recovery.items()},
            "notes": self.notes,
        }, ensure_ascii=False, indent=2))


def http(method: str, url: str, body: dict | None = None, timeout: float = 15,
         headers: dict | None = None) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    seconds = time.monotonic() - started
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(status, parsed, seconds)


def opened_user(topology: Topology, report: Report, scenario: str) -> "User":
    user = User(topology, report, scenario)
    user.open()
    return user


class User:
    """Someone in the chat widget (its HTTP fallback), through the public nginx port."""

    def __init__(self, topology: Topology, report: Report, scenario: str) -> None:
        self.base = topology.public
        self.report = report
        self.scenario = scenario
        self.token: str | None = None
        self.told_codes: set[str] = set()
        self.waiting = False  # handed over: messages now go to the hotline's desk
        self.heard: list[str] = []
        self.said: list[str] = []
        self.transcript: list[dict] = []
        self._last = 0.0

    def open(self) -> None:
        answer = http("POST", f"{self.base}/chat/session")
        assert answer.status == 201, f"{self.scenario}: a new conversation: {answer}"
        self.token = answer.body["conversation"]

    def say(self, text: str, kind: bool = True) -> Answer:
        """Send a message; unless `kind` is False, check that it was answered in time, and really or
        with the hotline's number."""
        pause = MESSAGE_PAUSE_SECONDS - (time.monotonic() - self._last)
        if pause > 0:
            time.sleep(pause)
        answer = http("POST", f"{self.base}/chat/messages", {"conversation": self.token, "text": text})
        self._last = time.monotonic()
        self.said.append(text)
        self.transcript.append({"user": text, "status": answer.status, "seconds": round(answer.seconds, 2),
                                "answer": answer.text})
        self.report.message(self.scenario, text[:40], answer.seconds)
        self.told_codes |= answer.case_codes
        self.heard += answer.assistant
        if any(e.get("type") == "status" and e.get("mode") == "waiting" for e in answer.events):
            self.waiting = True
        if kind:
            assert_kind(answer, f"{self.scenario}: {text!r}")
        return answer


def assert_kind(answer: Answer, what: str) -> None:
    assert answer.seconds < DEADLINE_SECONDS, f"{what}: answered after {answer.seconds:.2f}s: {answer}"
    assert answer.real or points_to_the_hotline(answer), (
        f"{what}: neither the assistant's answer nor the hotline's number, hours and 112: {answer}")


def assert_real(answer: Answer, what: str, expected: str | None = None) -> None:
    assert answer.real, f"{what}: expected the assistant's own answer: {answer}"
    if expected is not None:
        assert expected in "\n".join(answer.assistant), f"{what}: expected {expected!r}: {answer}"


def assert_notice(answer: Answer, what: str) -> None:
    assert not answer.real and points_to_the_hotline(answer), f"{what}: expected the notice with the hotline: {answer}"


def readiness(topology: Topology) -> Answer:
    return http("GET", f"{topology.public}/readyz", timeout=10)


# -- the topology ---------------------------------------------------------------------------------

def warm_up(name: str) -> None:
    """A replica's first message is slow (graphs are built on first use): send one straight to it."""
    answer = http("POST", f"http://127.0.0.1:{RASA_PORTS[name]}/webhooks/rest/webhook",
                  {"sender": f"warm-up-{uuid.uuid4().hex}", "message": "hej"}, timeout=120)
    assert answer.status == 200 and answer.body, f"{name} does not answer after it started: {answer}"


def wait_for_tracker_table(url: str, seconds: float) -> bool:
    """Rasa replica 1 creates the tracker table when it starts, long before its model is loaded."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as connection:
                    if connection.execute(text("select to_regclass('public.events')")).scalar():
                        return True
            except Exception:  # noqa: BLE001  the database is still being created
                pass
            time.sleep(1)
        return False
    finally:
        engine.dispose()


def ensure_running(topology: Topology, *names: str) -> None:
    """Start whichever of `names` is not running and wait until it answers (and is warm)."""
    stopped = [name for name in names if not topology.running(name)]
    if stopped:
        topology.start(*stopped)
    for name in names:  # at once when it answers already
        if name != "maintenance":
            topology.wait(name, RASA_LOAD_SECONDS if name.startswith("rasa") else 60)
    for name in stopped:
        if name.startswith("rasa"):
            warm_up(name)


def ensure_everything(topology: Topology, postgres: PostgresCluster, redis: RedisServer) -> None:
    if not postgres.running():
        postgres.start()
    if redis.process is None:
        redis.start()
    ensure_running(topology, "maintenance", "actions-1", "actions-2", "rasa-1", "rasa-2", "web-1", "web-2", "nginx")


@dataclass
class Production:
    topology: Topology
    postgres: PostgresCluster
    redis: RedisServer
    report: Report


@pytest.fixture(scope="module")
def production(pytestconfig):
    for program in ("/usr/sbin/nginx", "redis-server", "curl"):
        if not shutil.which(program):
            pytest.skip(f"Fault tests not run: {program} is not installed (make run-prod installs nginx)")
    if not MODEL.exists():
        pytest.skip(f"Fault tests not run: no trained model at {MODEL.relative_to(ROOT)} (make model)")
    report = Report()
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    postgres = PostgresCluster(free_port(range(7190, 7200)))
    # Pid files, nginx's configuration, the spool and the logs live outside the checkout while the
    # tests run (another `make test` there empties results/); the logs are copied to results/faults.
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    work.chmod(0o755)  # nginx's workers (nobody) use its temp directories
    redis = RedisServer(free_port(range(7180, 7190)), work / "redis")
    topology = Topology(PORTS, work / "log", postgres, redis)
    topology.env["WEB_SETTINGS"] = str(web_settings_for_the_fault_tests(work))
    become_subreaper()

    torn_down = False

    def tear_down() -> list[str]:
        nonlocal torn_down
        if torn_down:
            return []
        torn_down = True
        swept = topology.stop_all()
        redis.stop()
        postgres.destroy()
        reap_children()
        keep_logs(topology.log_dir, postgres.log)
        shutil.rmtree(work, ignore_errors=True)
        return swept

    atexit.register(tear_down)  # also when the run is interrupted
    previous_term = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    failed_to_start = True
    try:
        postgres.init()
        postgres.start()
        redis.start()
        topology.prepare()
        topology.start("maintenance", "actions-1", "actions-2", "rasa-1", "web-1", "web-2")
        # The second replica starts once the first has made the tracker table (not when its model is
        # loaded, as run_prod.sh waits), so both load their models at the same time.
        if not wait_for_tracker_table(topology.tracker_db_url, 120):
            topology.wait("rasa-1", RASA_LOAD_SECONDS)
        topology.start("rasa-2")
        for name in ("actions-1", "actions-2", "web-1", "web-2"):
            topology.wait(name, 60)
        topology.start("nginx")
        topology.wait("nginx", 30)
        topology.wait("rasa-1", RASA_LOAD_SECONDS)
        topology.wait("rasa-2", RASA_LOAD_SECONDS)
        warm_up("rasa-1")
        warm_up("rasa-2")
        ready = readiness(topology)
        assert ready.status == 200, f"the topology is not ready after it started: {ready}"
        report.notes.append(f"topology ready {time.monotonic() - report.started:.0f}s after the fixture began")
        failed_to_start = False
        yield Production(topology, postgres, redis, report)
    finally:
        swept = tear_down()
        signal.signal(signal.SIGTERM, previous_term)
        if swept:
            report.notes.append(f"still running at the end, killed: {swept}")
        report.save()
        show(pytestconfig, report.lines())
        left = [line for _, line in topology.leftovers() + ps_lines(re.escape(str(postgres.dir)),
                                                                    rf"127\.0\.0\.1:{redis.port}\b")]
        if left and not failed_to_start:
            pytest.fail(f"processes of the fault tests are still running: {left}")


def web_settings_for_the_fault_tests(directory: Path) -> Path:
    """The web app's settings, except that a user nobody answers is back with the assistant after
    15 seconds instead of minutes (scenario 3 asks for a person again then), and that handoffs are
    not limited per address: every simulated user comes from this machine."""
    settings = yaml.safe_load((ROOT / "bot" / "web" / "settings.yml").read_text(encoding="utf-8"))
    settings["live"].update(claim_timeout_minutes=CLAIM_TIMEOUT_SECONDS / 60, check_interval_seconds=2)
    settings["rate_limit"].update(handoffs_per_hour=100_000, handoff_burst=100_000)
    path = directory / "web-settings.yml"
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


def show(pytestconfig, lines: list[str]) -> None:
    """Lines on the terminal whatever the capture and verbosity (-q)."""
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if terminal is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        terminal.write_line("")
        for line in lines:
            terminal.write_line(line)


def keep_logs(log_dir: Path, postgres_log: Path) -> None:
    """The topology's logs (and PostgreSQL's) to results/faults/, next to timings.json."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for log in [*log_dir.glob("*.log"), postgres_log]:
        if log.is_file():
            shutil.copy2(log, LOG_DIR / log.name)


@pytest.fixture
def prod(production):
    """Every part running before each scenario and again after it, even when it failed."""
    ensure_everything(production.topology, production.postgres, production.redis)
    yield production
    ensure_everything(production.topology, production.postgres, production.redis)


def wait_until_recovered(prod: Production, what: str, started: float, probe, limit: float = RECOVERY_SECONDS) -> float:
    """Call `probe()` (which sends one message, checked for kindness) until it returns True; the
    seconds since `started`. Fails after `limit` seconds."""
    while time.monotonic() - started < limit:
        if probe():
            seconds = time.monotonic() - started
            prod.report.recovery[what] = seconds
            return seconds
        time.sleep(1)
    pytest.fail(f"{what}: not recovered within {limit:.0f}s")


def assistant_answering(prod: Production) -> bool:
    ready = readiness(prod.topology)
    return isinstance(ready.body, dict) and ready.body.get("assistant") is True


# -- 1. Rasa --------------------------------------------------------------------------------------

def test_rasa_replicas_stopping_one_then_both_and_coming_back(prod):
    topology, scenario = prod.topology, "1 Rasa"
    user = opened_user(topology, prod.report, scenario)
    # The guided questions begin (which one first depends on what the readers took from the message).
    assert_real(user.say("jeg er bekymret for en ung jeg kender, han har ændret sig meget"), scenario,
                "Jeg stiller dig nogle få")

    topology.stop("rasa-1")
    # The other replica carries on with the same conversation: the state is in the shared tracker store.
    assert_real(user.say("jeg er hans moster"), f"{scenario}, replica 1 stopped", "Hvilken kommune")
    assert_real(user.say("vi bor i hellerup"), f"{scenario}, replica 1 stopped", "Hvor gammel")

    topology.stop("rasa-2")
    for text in ("han er 15", "hallo?"):
        assert_notice(user.say(text), f"{scenario}, both replicas stopped")
    waiting = opened_user(topology, prod.report, scenario)
    assert_notice(waiting.say("hej"), f"{scenario}, both replicas stopped, a new conversation")

    started = time.monotonic()
    topology.start("rasa-1", "rasa-2")

    def probe() -> bool:
        return assistant_answering(prod) and waiting.say("hej").real

    # Loading the model takes minutes when the machine is busy: the limit is the one for starting.
    wait_until_recovered(prod, "Rasa (both replicas started again; first real answer)", started, probe,
                                   limit=RASA_LOAD_SECONDS)
    for name in ("rasa-1", "rasa-2"):
        topology.wait(name, RASA_LOAD_SECONDS)
        warm_up(name)
    # The interrupted conversation goes on where it was.
    assert_real(user.say("han er 15"), f"{scenario}, after recovery", "Hvad har du lagt mærke til")


# -- 2. the action servers ------------------------------------------------------------------------

def test_action_servers_stopping_one_then_both_and_coming_back(prod):
    topology, scenario = prod.topology, "2 actions"
    user = opened_user(topology, prod.report, scenario)
    assert_real(user.say(WORRY), scenario, "Hvilken kommune")

    topology.stop("actions-1")
    assert_real(user.say("vi bor i Aarhus"), f"{scenario}, actions-1 stopped", "Hvor gammel")
    assert_real(user.say("han er 15"), f"{scenario}, actions-1 stopped", "Hvad har du lagt mærke til")

    topology.stop("actions-2")
    # Rasa answers with nothing when its actions fail; the web app says so kindly.
    assert_notice(user.say("han har isoleret sig og fået nye venner"), f"{scenario}, both stopped")
    other = opened_user(topology, prod.report, scenario)
    assert_notice(other.say(WORRY), f"{scenario}, both stopped, a new conversation")

    started = time.monotonic()
    topology.start("actions-1", "actions-2")
    balancer = f"http://127.0.0.1:{PORTS['ACTION_PORT']}/health"

    def probe() -> bool:  # a new conversation each time the action servers answer their health check
        if http("GET", balancer, timeout=5).status != 200:
            return False
        return opened_user(topology, prod.report, scenario).say(WORRY).real

    wait_until_recovered(prod, "action servers (both started again; first real answer)", started, probe)
    assert_real(opened_user(topology, prod.report, scenario).say(WORRY), f"{scenario}, after recovery",
                "Hvilken kommune")
    assert_real(user.say("han har isoleret sig og fået nye venner"), f"{scenario}, after recovery")


# -- 3. PostgreSQL during handoffs ----------------------------------------------------------------

def conversation_hash(prod: Production, token: str) -> str | None:
    """The keyed hash the handoff store files this conversation's cases under."""
    import redis

    client = redis.Redis.from_url(prod.topology.chat_state_url, decode_responses=True)
    try:
        sender = client.hget(f"bekymring:chat:c:{{{token}}}", "sender")
    finally:
        client.close()
    if not sender:
        return None
    return hmac.new(prod.topology.hash_key.encode(), f"conversation\x1f{sender}".encode(), hashlib.sha256).hexdigest()


def stored_cases(prod: Production) -> list[dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(prod.topology.handoff_db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "select code, conversation_hash, status, role, summary, created_at from handoffs order by id"))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def spooled(prod: Production) -> list[str]:
    return sorted(path.name for path in (prod.topology.log_dir / "spool").glob("*.json"))


def sent_home(user: User, seconds: float) -> bool:
    """Wait until nobody took the user's case in time and the chat is back with the assistant."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        history = http("GET", f"{user.base}/chat/events?after=0", headers={"X-Conversation": user.token})
        statuses = [e for e in history.events if e.get("type") == "status"]
        if statuses and statuses[-1].get("mode") == "bot":
            user.waiting = False
            return True
        time.sleep(1)
    return False


def test_postgres_stopping_during_handoffs_loses_and_duplicates_no_case(prod):
    """Users ask for a person before, while and after PostgreSQL stops. Each is told a case code (or
    the notice, then a code once the database is back); nobody takes the cases, so after the claim
    timeout each user is back with the assistant and asks again, which must give the same case.
    In the end every code a user was told is stored once, and no conversation has two open cases."""
    topology, postgres, scenario = prod.topology, prod.postgres, "3 PostgreSQL"
    users: dict[str, User] = {}

    def new_user(label: str) -> User:
        users[label] = opened_user(topology, prod.report, scenario)
        return users[label]

    before = new_user("handed over before the stop")
    assert_real(before.say(WORRY), scenario, "Hvilken kommune")
    assert_real(before.say(ASK_FOR_A_PERSON), scenario)
    assert before.told_codes, f"{scenario}: no case code with the database up"

    # a) The database is down when a user asks for a person.
    down = new_user("asked while the database was down")
    assert_real(down.say(WORRY), scenario, "Hvilken kommune")
    postgres.stop()
    answer = down.say(ASK_FOR_A_PERSON)  # a spooled case's code, or the notice
    assert down.told_codes or HOTLINE.number in answer.text, f"{scenario}: {answer}"
    first_contact = new_user("first message while the database was down")
    first_contact.say("jeg vil gerne tale med et menneske")

    # b) The database stops while handoffs are on their way (Rasa, the action, the store).
    racing = [new_user(f"asked as the database stopped ({i})") for i in range(4)]
    postgres.start()
    deadline = time.monotonic() + RECOVERY_SECONDS
    for user in racing:
        while not user.say(WORRY).real:
            assert time.monotonic() < deadline, f"{scenario}: the assistant did not come back"
    time.sleep(MESSAGE_PAUSE_SECONDS)
    answers: dict[int, Answer] = {}

    def ask(index: int, delay: float) -> None:
        time.sleep(delay)
        answers[index] = racing[index].say(ASK_FOR_A_PERSON, kind=False)

    threads = [threading.Thread(target=ask, args=(i, 0.15 * i)) for i in range(len(racing))]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    postgres.stop()
    for thread in threads:
        thread.join(30)
    assert len(answers) == len(racing)
    for index, answer in sorted(answers.items()):
        assert_kind(answer, f"{scenario}: handoff {index} while the database stops")

    # The database comes back: everything recovers by itself, and whoever has no case gets one.
    started = time.monotonic()
    postgres.start()
    after = new_user("handed over after the restart")

    def assistant_back() -> bool:
        return after.say(WORRY).real

    wait_until_recovered(prod, "PostgreSQL (started again; first real answer)", started, assistant_back)
    assert_real(after.say(ASK_FOR_A_PERSON), f"{scenario}, after recovery")
    for label, user in users.items():
        while not user.told_codes:
            answer = user.say(ASK_FOR_A_PERSON)
            assert time.monotonic() - started < RECOVERY_SECONDS, f"{scenario}: {label}: no case: {answer}"

    # Nobody takes the cases: after the claim timeout each user is back with the assistant and asks
    # for a person again, which must point to the case they already have.
    told_first = {label: set(user.told_codes) for label, user in users.items()}
    for label, user in users.items():
        if user.waiting:
            assert sent_home(user, 120), f"{scenario}: {label}: still waiting after the claim timeout"
        user.say(ASK_FOR_A_PERSON)

    # Every case code a user was told is stored once the spool is written (the maintenance loop
    # flushes it every 30 s), and no conversation has more than one open case.
    told = {code: label for label, user in users.items() for code in user.told_codes}
    deadline = time.monotonic() + 120
    while True:
        cases = stored_cases(prod)
        stored = {case["code"] for case in cases}
        if set(told) <= stored and not spooled(prod):
            break
        assert time.monotonic() < deadline, (
            f"{scenario}: cases told to users but not stored: {sorted(set(told) - stored)}; "
            f"still spooled: {spooled(prod)}")
        time.sleep(2)
    problems, record = [], {}
    for label, user in users.items():
        digest = conversation_hash(prod, user.token)
        mine = [case for case in cases if case["conversation_hash"] == digest]
        open_codes = [case["code"] for case in mine if case["status"] in {"queued", "claimed"}]
        record[label] = {"told first": sorted(told_first[label]), "told in all": sorted(user.told_codes),
                         "stored for the conversation": [
                             {"code": c["code"], "status": c["status"], "role": c["role"],
                              "summary": c["summary"], "created_at": str(c["created_at"])} for c in mine],
                         "transcript": user.transcript}
        if len(user.told_codes) > 1:
            problems.append(f"{label}: asked again, was told another case code: first {sorted(told_first[label])}, "
                            f"in all {sorted(user.told_codes)}")
        if len(open_codes) > 1:
            problems.append(f"{label}: {len(open_codes)} open cases for one conversation: {open_codes}")
        if set(open_codes) != user.told_codes:
            problems.append(f"{label}: told {sorted(user.told_codes)}, "
                            f"the store holds {open_codes} for the conversation")
        first_case = next((c for c in mine if c["code"] in told_first[label]), None)
        if user.said[0] == WORRY and first_case and "bekymret for min søn" not in (first_case["summary"] or ""):
            prod.report.notes.append(
                f"{scenario}: {label}: case {first_case['code']} lacks what the user wrote before asking "
                f"(role {first_case['role']}, summary {first_case['summary']!r})")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / "handoffs.json").write_text(json.dumps(record, ensure_ascii=False, indent=2))
    prod.report.notes.append(f"{scenario}: {len(told)} case codes told to {len(users)} users, {len(cases)} cases "
                             f"stored (results/faults/handoffs.json)")
    assert not problems, f"{scenario}: handoffs lost or duplicated:\n" + "\n".join(problems)


# -- 4. Redis -------------------------------------------------------------------------------------

def test_redis_stopping_and_coming_back_empty(prod):
    topology, redis, scenario = prod.topology, prod.redis, "4 Redis"
    user = opened_user(topology, prod.report, scenario)
    assert_real(user.say(WORRY), scenario, "Hvilken kommune")

    redis.stop()
    for text in ("vi bor i Aarhus", "hallo?"):
        answer = user.say(text)
        assert answer.status == 503 and answer.body.get("error") == "unavailable", f"{scenario}: {answer}"
        assert_notice(answer, f"{scenario}, Redis stopped")
    answer = http("POST", f"{topology.public}/chat/session")
    prod.report.message(scenario, "POST /chat/session", answer.seconds)
    assert answer.status == 503, f"{scenario}: a new conversation while Redis is stopped: {answer}"
    assert_kind(answer, f"{scenario}: a new conversation while Redis is stopped")
    ready = readiness(topology)
    assert ready.status == 503 and ready.body.get("conversations") is False, f"{scenario}: {ready}"

    started = time.monotonic()
    redis.start()  # empty: Redis keeps nothing on disk
    unavailable_after_restart = 0

    def old_conversation_answered() -> bool:
        """The widget retries its conversation until the app answers other than 503 (kindly meanwhile)."""
        nonlocal unavailable_after_restart
        answer = user.say("hej igen", kind=False)
        assert answer.seconds < DEADLINE_SECONDS, f"{scenario}: while Redis comes back: {answer}"
        if answer.status == 503:
            assert_notice(answer, f"{scenario}: while Redis comes back")
            unavailable_after_restart += 1
            return False
        # The conversation is gone: 404 unknown_conversation, and the widget starts a new one.
        assert answer.status == 404 and answer.body.get("error") == "unknown_conversation", f"{scenario}: {answer}"
        return True

    wait_until_recovered(prod, "Redis (started again, empty; the old conversation gets 404)", started,
                         old_conversation_answered)
    if unavailable_after_restart:
        prod.report.notes.append(
            f"{scenario}: {unavailable_after_restart} message(s) still got 503 after Redis was back")
    user.open()
    assert_real(user.say(WORRY), f"{scenario}, after recovery", "Hvilken kommune")
    assert_real(user.say("vi bor i Aarhus"), f"{scenario}, after recovery", "Hvor gammel")


# -- 5. a web app instance ------------------------------------------------------------------------

def test_a_web_app_stopping_leaves_the_conversation_to_the_other(prod):
    topology, scenario = prod.topology, "5 web app"
    user = opened_user(topology, prod.report, scenario)
    assert_real(user.say(WORRY), scenario, "Hvilken kommune")

    topology.stop("web-1")
    assert_real(user.say("vi bor i Aarhus"), f"{scenario}, web-1 stopped", "Hvor gammel")
    assert_real(user.say("han er 15"), f"{scenario}, web-1 stopped", "Hvad har du lagt mærke til")
    history = http("GET", f"{topology.public}/chat/events?after=0", headers={"X-Conversation": user.token})
    assert history.status == 200 and set(user.heard) <= {e.get("text") for e in history.events}, (
        f"{scenario}: the conversation so far, from the other instance: {history}")
    another = opened_user(topology, prod.report, scenario)
    assert_real(another.say(WORRY), f"{scenario}, web-1 stopped, a new conversation", "Hvilken kommune")
    assert_real(user.say("han har isoleret sig og fået nye venner"), f"{scenario}, web-1 stopped")


def test_a_rolling_restart_of_the_web_apps_keeps_answering(prod):
    """web-1 is started again and answers; then web-2 stops, as in a rolling restart. Only one
    instance is stopped at any time, so every message is answered by the other."""
    topology, scenario = prod.topology, "5 web app, rolling restart"
    user = opened_user(topology, prod.report, scenario)
    assert_real(user.say(WORRY), scenario, "Hvilken kommune")
    topology.stop("web-1")
    assert_real(user.say("vi bor i Aarhus"), f"{scenario}, web-1 stopped", "Hvor gammel")
    for _ in range(6):  # other visitors' requests meanwhile (each nginx worker tries web-1 and fails)
        other = http("GET", f"{topology.public}/healthz")
        assert other.status == 200, f"{scenario}, web-1 stopped: {other}"
    ensure_running(topology, "web-1")
    topology.stop("web-2")
    assert_real(user.say("han er 15"), f"{scenario}, web-1 back, web-2 stopped", "Hvad har du lagt mærke til")
    assert_real(user.say("han har isoleret sig og fået nye venner"), f"{scenario}, web-1 back, web-2 stopped")


def test_everything_is_ready_again_at_the_end(prod):
    ready = readiness(prod.topology)
    assert ready.status == 200 and ready.body.get("ready") is True, f"/readyz through nginx: {ready}"
