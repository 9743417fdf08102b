"""The production topology of `make run-prod` for the fault tests (tests/test_faults.py): a
throw-away PostgreSQL cluster and a redis-server of the test's own, and nginx, two web apps, two
Rasa replicas, two action servers and the maintenance loop started through scripts/prod_services.sh
(tests/support/prod_topology.sh). Single processes are stopped by the ids in their pid files and
started again by the same start function.

Every process the topology starts carries FAULTS_RUN=<a random id> in its environment, so the
teardown can find (and the test can check with ps) anything left behind. This process becomes a
"child subreaper": processes whose starter exited are re-parented to it rather than to PID 1, which
on some machines (containers, micro-VMs) never reaps them, and are reaped here when they stop.
"""

import ctypes
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "tests" / "support" / "prod_topology.sh"
MARKER = "FAULTS_RUN"
PR_SET_CHILD_SUBREAPER = 36


# -- processes ------------------------------------------------------------------------------------

def become_subreaper() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _state(pid: int) -> str | None:
    """The process's state letter (R, S, Z, ...), None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, IndexError):
        return None


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def reap_children() -> None:
    """Reap this process's children that have ended (re-parented services, the postmaster)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent(int(entry.name)) == me and _state(int(entry.name)) == "Z":
            reap(int(entry.name))


def alive(pid: int | None) -> bool:
    """The process runs (a zombie counts as ended; ours is reaped on the way)."""
    if not pid:
        return False
    state = _state(pid)
    if state == "Z":
        reap(pid)
        return False
    return state is not None


def stop_pid(pid: int | None, grace_seconds: float, sig: int = signal.SIGTERM) -> None:
    """`sig` (TERM by default), then KILL if the process is still there after the grace period."""
    if not alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    reap(pid)


def marked_processes(run_id: str) -> list[int]:
    """The running processes started with FAULTS_RUN=run_id in their environment."""
    wanted = f"{MARKER}={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if wanted in environment.split(b"\0") and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def ps_lines(*needles: str) -> list[tuple[int, str]]:
    """(pid, `ps` line) of the processes whose command line matches one of the regular expressions
    `needles`; zombies and this process left out."""
    listing = subprocess.run(["ps", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    found = []
    for line in listing.splitlines():
        pid, stat, *command = line.split(None, 2)
        if stat.startswith("Z") or int(pid) == os.getpid():
            continue
        if command and any(re.search(needle, command[0]) for needle in needles):
            found.append((int(pid), line.strip()))
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return True
    return False


def free_port(candidates: range, taken: set[int] = frozenset()) -> int:
    for port in candidates:
        if port not in taken and port_is_free(port):
            return port
    pytest.fail(f"no free port in {candidates.start}-{candidates.stop - 1} on 127.0.0.1")


def wait_for_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


# -- PostgreSQL -----------------------------------------------------------------------------------

def _version(path: str) -> tuple[int, ...]:
    match = re.search(r"/postgresql/([\d.]+)/", path)
    return tuple(int(part) for part in match.group(1).split(".")) if match else (0,)


class PostgresCluster:
    """A throw-away cluster (initdb in a temp dir, trust authentication) run with pg_ctl as the
    postgres OS user: PostgreSQL refuses to run as root."""

    def __init__(self, port: int) -> None:
        initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
        if not initdbs:
            pytest.skip("Fault tests not run: PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin/initdb)")
        self.bin = Path(initdbs[-1]).parent
        me = pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("Fault tests not run: PostgreSQL refuses to run as root and there is no postgres user")
            if not shutil.which("runuser"):
                pytest.skip("Fault tests not run: runuser is missing, so PostgreSQL cannot run as postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        elif me == "postgres":
            owner = pwd.getpwnam(me)
            self.as_owner = []
        else:
            pytest.skip("Fault tests not run: they start their own PostgreSQL server, which needs root "
                        "(to run it as the postgres user) or the postgres user itself")
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))  # /tmp: the postgres user can reach it
        os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _pg(self, program: str, *args: str, timeout: float = 120) -> None:
        result = subprocess.run([*self.as_owner, str(self.bin / program), *args], cwd=self.dir,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def init(self) -> None:
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                 "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        reap_children()

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        return alive(self.postmaster_pid())

    def destroy(self) -> None:
        pid = self.postmaster_pid()
        if alive(pid):
            try:
                self.stop("fast")
            except Exception:  # noqa: BLE001  then more bluntly
                stop_pid(pid, 10, signal.SIGQUIT)
        stop_pid(pid, 5)
        reap_children()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- Redis ----------------------------------------------------------------------------------------

class RedisServer:
    """A redis-server of the test's own on a fixed port, keeping nothing on disk; started again on
    the same port after a stop."""

    def __init__(self, port: int, directory: Path) -> None:
        self.binary = shutil.which("redis-server") or pytest.skip("Fault tests not run: redis-server is not installed")
        self.port = port
        self.directory = directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port, 10):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


# -- the topology ---------------------------------------------------------------------------------

# The names of prod_services.sh, in the order the teardown stops them (nginx first: no new requests).
NAMES = ("nginx", "web-1", "web-2", "rasa-1", "rasa-2", "actions-1", "actions-2", "maintenance")

# Variables of an enclosing run (make test exports its own ports, databases and spool) that must not
# leak into the topology; every one the topology needs is set explicitly.
INHERITED_SETTINGS = {
    "DATABASE_URL", "TRACKER_STORE_URL", "CHAT_STATE_URL", "RASA_URL", "TRUSTED_PROXIES", "WEB_HOST", "WEB_PORT",
    "WEB_SETTINGS", "LOCK_STORE_HOST", "LOCK_STORE_PORT", "LOCK_STORE_DB", "LOCK_STORE_PASSWORD", "CHAT_STATE_DB",
    "HANDOFF_SPOOL_DIR", "HANDOFF_HASH_KEY", "RASA_AUTH_TOKEN", "NGINX", "LOG_DIR", "RASA_PORT", "ACTION_PORT",
    "SQL_POOL_SIZE", "SQL_MAX_OVERFLOW",
}


class Topology:
    def __init__(self, ports: dict[str, int], log_dir: Path, postgres: PostgresCluster, redis: RedisServer) -> None:
        self.ports = ports
        self.log_dir = log_dir
        self.pid_dir = log_dir / "pids"
        self.run_id = uuid.uuid4().hex
        self.hash_key = secrets.token_hex(32)
        self.public = f"http://127.0.0.1:{ports['PROD_WEB_PORT']}"
        self.handoff_db_url = postgres.admin_url.rsplit("/", 1)[0] + "/bekymring_handoffs"
        self.tracker_db_url = postgres.admin_url.rsplit("/", 1)[0] + "/bekymring_tracker"
        self.chat_state_url = f"redis://127.0.0.1:{redis.port}/2"
        environment = {name: value for name, value in os.environ.items()
                       if name not in INHERITED_SETTINGS and not name.startswith("PROD_")}
        self.env = {
            **environment,
            **{name: str(port) for name, port in ports.items()},
            "LOG_DIR": str(log_dir),
            "LIVE_CHAT_HOURS": "always",
            "PROD_POSTGRES_URL": postgres.admin_url,
            "DATABASE_URL": self.handoff_db_url,
            "TRACKER_STORE_URL": self.tracker_db_url,
            "PROD_REDIS_URL": redis.url,
            "HANDOFF_SPOOL_DIR": str(log_dir / "spool"),
            "HANDOFF_HASH_KEY": self.hash_key,     # the same in every process, also after a restart
            "RASA_AUTH_TOKEN": secrets.token_urlsafe(32),
            "PROD_STOP_SECONDS": "10",
            MARKER: self.run_id,
        }

    def _helper(self, *args: str, timeout: float) -> str:
        result = subprocess.run(["bash", str(HELPER), *args], cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=timeout, start_new_session=True)
        if result.returncode != 0:
            raise RuntimeError(f"prod_topology.sh {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout

    def prepare(self) -> None:
        self._helper("prepare", timeout=180)

    def start(self, *names: str) -> None:
        self._helper("start", *names, timeout=60)

    def wait(self, name: str, seconds: int) -> None:
        self._helper("wait", name, str(seconds), timeout=seconds + 30)

    def pid(self, name: str) -> int | None:
        try:
            return int((self.pid_dir / f"{name}.pid").read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def running(self, name: str) -> bool:
        return alive(self.pid(name))

    def stop(self, name: str, grace_seconds: float = 10) -> None:
        """Stop one process by the id in its pid file (TERM; KILL after the grace period)."""
        stop_pid(self.pid(name), grace_seconds)
        (self.pid_dir / f"{name}.pid").unlink(missing_ok=True)

    def stop_all(self) -> list[str]:
        """Stop everything, nginx first; return what was still running afterwards and was killed."""
        for name in NAMES:
            self.stop(name)
        swept = []
        for pid, description in self.leftovers():
            swept.append(description)
            stop_pid(pid, 5, signal.SIGKILL)
        reap_children()
        return swept

    def leftovers(self) -> list[tuple[int, str]]:
        """(pid, description) of what still runs of this topology: found by the FAULTS_RUN marker in
        the environment, and by ps for nginx (which rewrites its environment) and the ports."""
        found = {pid: f"{pid} {_command(pid)} (FAULTS_RUN marker)" for pid in marked_processes(self.run_id)}
        needles = [re.escape(str(self.log_dir)), *(rf"--port[= ]{port}\b" for port in self.ports.values())]
        found.update({pid: line for pid, line in ps_lines(*needles) if pid not in found})
        return sorted(found.items())


def _command(pid: int) -> str:
    try:
        return " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")).strip()
    except (FileNotFoundError, ProcessLookupError):
        return "?"
