"""Load benchmark: N simulated users hold conversations at once, first against Rasa's REST channel
directly (the baseline), then through the public web app, in one run. Prints latency percentiles,
throughput, errors, and the peak memory of every process behind the given ports.

    # start the product with limits for one-machine load (see docs/benchmarks.md), then:
    WEB_SETTINGS=benchmarks/data/web_settings_load.yml make run
    .venv/bin/python benchmarks/load.py --users 50 --seconds 60

A message counts as an error when the request fails, the answer is not 200, or the user gets the
"assistant unavailable" notice instead of the assistant's answer.

What the web app adds is printed twice: as the difference of the two phases' medians (which also
holds their run-to-run variance), and within the same messages, from the time the web app itself
spent waiting for Rasa (its /metrics, which answer requests from the machine itself).
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.web.messages import message  # noqa: E402

CONVERSATIONS = Path(__file__).with_name("data") / "load_conversations.txt"
UNAVAILABLE = message("assistant_unavailable")
DEFAULT_WEB = f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8000')}"
DEFAULT_RASA = f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"


def load_conversations(path: Path) -> list[list[str]]:
    blocks, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0           # messages started (latencies holds the finished ones)
    conversations: int = 0  # sessions opened
    started: float = field(default_factory=time.perf_counter)
    finished: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")

    def row(self, name: str) -> str:
        seconds = self.finished - self.started
        return (f"{name:<10} {len(self.latencies):>8} {len(self.latencies) / seconds:>8.1f} "
                f"{self.percentile(0.50):>8.0f} {self.percentile(0.95):>8.0f} {self.percentile(0.99):>8.0f} "
                f"{statistics.fmean(self.latencies) * 1000 if self.latencies else float('nan'):>8.0f} {self.errors:>7}")


class RasaUser:
    def __init__(self, session: aiohttp.ClientSession, rasa: str) -> None:
        self.session, self.url, self.sender = session, f"{rasa}/webhooks/rest/webhook", ""

    async def start(self) -> None:
        self.sender = f"load-{uuid.uuid4()}"

    async def send(self, text: str) -> bool:
        async with self.session.post(self.url, json={"sender": self.sender, "message": text}) as response:
            return response.status == 200 and bool(await response.json())


class WebUser:
    def __init__(self, session: aiohttp.ClientSession, web: str) -> None:
        self.session, self.web, self.token = session, web, ""
        self.status = 0  # HTTP status of the last message
        self.last_seq = 0  # acknowledged with the next message, as the widget does

    async def start(self) -> None:
        async with self.session.post(f"{self.web}/chat/session") as response:
            response.raise_for_status()
            self.token = (await response.json())["conversation"]

    async def send(self, text: str) -> bool:
        body = {"conversation": self.token, "text": text, "after": self.last_seq}
        async with self.session.post(f"{self.web}/chat/messages", json=body) as response:
            self.status = response.status
            if response.status != 200:
                return False
            events = (await response.json())["events"]
            self.last_seq = max([self.last_seq] + [e["seq"] for e in events])
            return not any(e["type"] == "notice" and e.get("text") == UNAVAILABLE for e in events)


async def play(make_user, conversations, users: int, think: tuple[float, float],
               keep_going: Callable[[Results], bool],
               on_message: Callable[[Results], None] = lambda results: None) -> Results:
    """`users` users at once, each playing one conversation after another, each in a new session,
    with `think` seconds between messages, as long as `keep_going(results)` holds (asked before every
    conversation and every message). `on_message(results)` runs after each answered message."""
    results = Results()
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=0)

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        async def one_user(number: int) -> None:
            rng = random.Random(number)
            await asyncio.sleep(rng.uniform(0, think[1]))  # users arrive spread out, not in one burst
            while keep_going(results):
                user = make_user(session)
                try:
                    await user.start()
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    results.errors += 1
                    await asyncio.sleep(rng.uniform(*think))  # do not hammer a server that refuses
                    continue
                results.conversations += 1
                for text in rng.choice(conversations):
                    if not keep_going(results):
                        return
                    results.sent += 1
                    sent = time.perf_counter()
                    try:
                        ok = await user.send(text)
                    except (aiohttp.ClientError, asyncio.TimeoutError):
                        ok = False
                    results.latencies.append(time.perf_counter() - sent)
                    results.errors += not ok
                    on_message(results)
                    await asyncio.sleep(rng.uniform(*think))

        await asyncio.gather(*(one_user(n) for n in range(users)))
    results.finished = time.perf_counter()
    return results


async def simulate(make_user, conversations, users: int, seconds: float, think: tuple[float, float]) -> Results:
    deadline = time.perf_counter() + seconds
    return await play(make_user, conversations, users, think, lambda results: time.perf_counter() < deadline)


def assistant_wait(web: str) -> tuple[float, float] | None:
    """(seconds, messages) the web app has spent waiting for Rasa so far, from its /metrics (which
    answers the machine itself); None where it does not answer."""
    try:
        with urllib.request.urlopen(f"{web}/metrics", timeout=5) as response:
            lines = response.read().decode().splitlines()
    except OSError:
        return None
    values = dict(line.split(" ", 1) for line in lines if line.startswith("assistant_latency_seconds_"))
    if "assistant_latency_seconds_sum" not in values:
        return None
    return float(values["assistant_latency_seconds_sum"]), float(values["assistant_latency_seconds_count"])


def default_ports(web: str, rasa: str = DEFAULT_RASA) -> list[int]:
    """The web app's, Rasa's and the action server's (`ACTION_PORT`) ports."""
    return [int(web.rsplit(":", 1)[1]), int(rasa.rsplit(":", 1)[1]), int(os.environ.get("ACTION_PORT", "5055"))]


def listening_pids(port: int) -> set[int]:
    """Processes with a socket listening on `port` (from /proc, no extra packages)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd).strip("socket:[]") in inodes for fd in (proc / "fd").iterdir()
                   if os.readlink(fd).startswith("socket:")):
                pids.add(int(proc.name))
        except OSError:
            continue
    return pids


def command_line(pid: int, width: int = 60) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:width]


def memory_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount, _ = line.split()
            values[key] = int(amount) / 1024
    return values.get("VmRSS:", 0.0), values.get("VmHWM:", 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 6.0), metavar=("MIN", "MAX"),
                        help="seconds a user waits between messages (default 3 6)")
    parser.add_argument("--web", default=DEFAULT_WEB)
    parser.add_argument("--rasa", default=DEFAULT_RASA)
    parser.add_argument("--ports", type=int, nargs="*", help="ports whose processes to report (default: web, Rasa, actions)")
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    args = parser.parse_args()

    conversations = load_conversations(args.conversations)
    print(f"{args.users} users, {args.seconds:.0f} s per target, think time {args.think[0]}-{args.think[1]} s, "
          f"{len(conversations)} conversations from {args.conversations.name}")
    rasa = asyncio.run(simulate(lambda s: RasaUser(s, args.rasa), conversations, args.users, args.seconds, args.think))
    waited_before = assistant_wait(args.web)
    web = asyncio.run(simulate(lambda s: WebUser(s, args.web), conversations, args.users, args.seconds, args.think))
    waited_after = assistant_wait(args.web)

    print(f"\n{'target':<10} {'messages':>8} {'msg/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'errors':>7}")
    print(rasa.row("rasa"))
    print(web.row("web app"))
    overhead = (web.percentile(0.5) - rasa.percentile(0.5)) / rasa.percentile(0.5) * 100
    print(f"web app overhead on the median: {overhead:+.1f} % (two phases one after the other: includes their variance)")
    if waited_before and waited_after and waited_after[1] > waited_before[1]:
        waited = (waited_after[0] - waited_before[0]) / (waited_after[1] - waited_before[1]) * 1000
        end_to_end = statistics.fmean(web.latencies) * 1000
        own = end_to_end - waited
        print(f"web app overhead in the same messages: mean {end_to_end:.0f} ms end to end, "
              f"of which {waited:.0f} ms waiting for Rasa: the web app adds {own:.1f} ms ({own / waited * 100:+.1f} %)")

    ports = args.ports or default_ports(args.web, args.rasa)
    print(f"\n{'port':>6} {'pid':>8} {'rss MB':>8} {'peak MB':>8}  process")
    for port in ports:
        for pid in sorted(listening_pids(port)):
            rss, peak = memory_mb(pid)
            print(f"{port:>6} {pid:>8} {rss:>8.0f} {peak:>8.0f}  {command_line(pid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
