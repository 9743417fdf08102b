"""Soak benchmark: many messages through the public web app, watching whether the memory of the
processes behind it keeps growing after warm-up.

    WEB_SETTINGS=benchmarks/data/web_settings_load.yml make run    # in one terminal
    .venv/bin/python benchmarks/soak.py                             # in another: 10,000 messages

`--users` simulated users play the Danish conversations of benchmarks/data/load_conversations.txt
at once, through the HTTP chat protocol (POST /chat/session, then POST /chat/messages; see
docs/chat-protocol.md), with a think time between messages. Each user starts a new session
for every conversation, so the number of conversations grows as in a real day. Every
`--sample-every` answered messages the script reads the resident memory (VmRSS in /proc) of every
process listening on `--ports`. The first `--warmup` messages are warm-up: growth is measured
against the memory at their end.

The think time sets the load: a soak measures a load the stack can sustain, not an overload. One
Rasa process needs about 50-70 ms of CPU per message on two cores (docs/benchmarks.md), and 20
users thinking 3-6 s send about 4 messages a second, 40 users about 9. With 0.5-1.5 s, 40 users
would send about 40: Rasa falls behind and most answers miss the web app's 4-second deadline.
The web app's own limit of 20 messages a minute per conversation (burst 8) is never met: the
conversations have at most 7 messages.

Exit status 1 when, at any sample after warm-up, a process uses more than `--max-growth` percent
more memory than at the end of warm-up, or when more than 1 % of the messages failed (an error as
in load.py: the request fails, the answer is not 200, or the user gets the "assistant unavailable"
notice); else 0. The figures are printed either way.
"""

import argparse
import asyncio
import collections
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    CONVERSATIONS, DEFAULT_WEB, Results, WebUser, command_line, default_ports, listening_pids,
    load_conversations, memory_mb, play,
)

MAX_ERROR_RATE = 0.01


class CountingUser(WebUser):
    """A web user that also tallies why its messages failed."""

    def __init__(self, session: aiohttp.ClientSession, web: str, failures: collections.Counter) -> None:
        super().__init__(session, web)
        self.failures = failures

    async def start(self) -> None:
        try:
            await super().start()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            self.failures[f"new session: {_reason(error)}"] += 1
            raise

    async def send(self, text: str) -> bool:
        try:
            ok = await super().send(text)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            self.failures[f"message: {_reason(error)}"] += 1
            raise
        if not ok:
            self.failures["message: assistant unavailable" if self.status == 200 else f"message: HTTP {self.status}"] += 1
        return ok


def _reason(error: Exception) -> str:
    return f"HTTP {error.status}" if isinstance(error, aiohttp.ClientResponseError) else type(error).__name__


def process_name(pid: int) -> str:
    command = command_line(pid, width=200)
    for marker, name in (("rasa_sdk", "action server"), ("rasa run", "Rasa server"), ("bot.web", "web app")):
        if marker in command:
            return name
    words = command.split()
    return Path(words[1] if len(words) > 1 else words[0]).name[:14] if words else str(pid)


def rss_mb(pid: int) -> float | None:
    """Resident memory in MB, None when the process is gone."""
    try:
        return memory_mb(pid)[0]
    except OSError:
        return None


@dataclass
class Process:
    port: int
    pid: int
    name: str
    samples: dict[int, float | None] = field(default_factory=dict)  # messages answered -> RSS MB

    def after(self, warmup: int) -> list[float | None]:
        return [rss for messages, rss in self.samples.items() if messages >= warmup]


def growth(value: float | None, base: float | None) -> float:
    return (value - base) / base * 100 if value is not None and base else float("nan")


def mb(value: float | None) -> str:
    return "gone" if value is None else f"{value:.0f}"


class Soak:
    def __init__(self, args: argparse.Namespace, processes: list[Process]) -> None:
        self.args, self.processes = args, processes
        self.failures: collections.Counter = collections.Counter()
        self.abort_after = max(100, args.messages // 10)  # errors: the stack is down, stop early
        self.last = (0, time.perf_counter())  # (messages, time) of the previous sample
        self.interrupted = False
        self.warmup_errors: int | None = None
        self.conversations: dict[int, int] = {}  # messages answered -> conversations opened, per sample

    def stop(self, signum: int, frame) -> None:
        """Ctrl-C or SIGTERM: let the users finish the message they are on, then report."""
        self.interrupted = True

    def keep_going(self, results: Results) -> bool:
        return (results.sent < self.args.messages and results.errors <= self.abort_after
                and not self.interrupted)

    def on_message(self, results: Results) -> None:
        answered = len(results.latencies)
        if answered % self.args.sample_every == 0 or answered == self.args.warmup:
            self.sample(results)

    def header(self) -> None:
        columns = "".join(f" {p.name[:12] + ' MB':>16}" for p in self.processes)
        files = "".join(f" {f.name[:12] + ' MB':>16}" for f in self.args.watch_files)
        print(f"{'messages':>8} {'min':>6} {'convs':>6} {'msg/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}"
              f"{columns}{files}", flush=True)

    def sample(self, results: Results) -> None:
        answered, now = len(results.latencies), time.perf_counter()
        for process in self.processes:
            process.samples[answered] = rss_mb(process.pid)
        self.conversations[answered] = results.conversations
        window = Results(latencies=results.latencies[self.last[0]:answered])
        rate = (answered - self.last[0]) / (now - self.last[1]) if now > self.last[1] else 0.0
        self.last = (answered, now)
        columns = "".join(f" {mb(p.samples[answered]):>16}" for p in self.processes)
        files = "".join(f" {f.stat().st_size / 2**20 if f.exists() else float('nan'):>16.1f}"
                        for f in self.args.watch_files)
        warm = ""
        if answered == self.args.warmup:
            warm, self.warmup_errors = " <- end of warm-up", results.errors
        print(f"{answered:>8} {(now - results.started) / 60:>6.1f} {results.conversations:>6} {rate:>6.1f} "
              f"{window.percentile(0.5):>7.0f} {window.percentile(0.95):>7.0f} {results.errors:>6}"
              f"{columns}{files}{warm}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="user messages to send in all")
    parser.add_argument("--users", type=int, default=20, help="simulated users at once")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 6.0), metavar=("MIN", "MAX"),
                        help="seconds a user waits between messages")
    parser.add_argument("--sample-every", type=int, default=500, help="read the memory every N answered messages")
    parser.add_argument("--warmup", type=int, default=2_000, help="messages of warm-up")
    parser.add_argument("--max-growth", type=float, default=10.0,
                        help="percent a process may grow after warm-up (any sample against the end of warm-up)")
    parser.add_argument("--web", default=DEFAULT_WEB, help="the public web app")
    parser.add_argument("--ports", type=int, nargs="*",
                        help="ports whose processes to watch (default: web, RASA_PORT, ACTION_PORT)")
    parser.add_argument("--watch-files", type=Path, nargs="*", default=[],
                        help="files whose size to print with every sample, e.g. the tracker database")
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    args = parser.parse_args()
    if not 0 < args.warmup < args.messages or args.sample_every <= 0:
        parser.error("need 0 < --warmup < --messages and --sample-every > 0")
    ports = args.ports or default_ports(args.web)
    processes = [Process(port, pid, process_name(pid)) for port in ports for pid in sorted(listening_pids(port))]
    missing = [port for port in ports if port not in {p.port for p in processes}]
    if missing:
        print(f"nothing listens on port(s) {', '.join(map(str, missing))}: start the services first", file=sys.stderr)
        return 2

    conversations = load_conversations(args.conversations)
    longest = max(map(len, conversations))
    if longest > 8 and min(args.think) < 3:
        print(f"note: conversations of up to {longest} messages with under 3 s between them may meet the web "
              "app's limit of 20 messages a minute (burst 8) per conversation")
    print(f"{args.messages} messages through {args.web}, {args.users} users, think time {args.think[0]}-"
          f"{args.think[1]} s, {len(conversations)} conversations from {args.conversations.name} "
          f"(at most {longest} messages each), a new session for each; warm-up {args.warmup} messages")
    print("watching " + ", ".join(f"{p.name} (port {p.port}, pid {p.pid})" for p in processes) + "\n")

    soak = Soak(args, processes)
    signal.signal(signal.SIGINT, soak.stop)
    signal.signal(signal.SIGTERM, soak.stop)
    soak.header()
    soak.sample(Results())  # before the first message
    results = asyncio.run(play(lambda session: CountingUser(session, args.web, soak.failures), conversations,
                               args.users, args.think, soak.keep_going, soak.on_message))
    answered = len(results.latencies)
    if max(processes[0].samples) != answered:
        soak.sample(results)
    return report(args, processes, results, soak, "interrupted" if soak.interrupted else "too many errors")


def report(args: argparse.Namespace, processes: list[Process], results: Results, soak: Soak, why_stopped: str) -> int:
    answered = len(results.latencies)
    aborted = answered < args.messages
    warmup = args.warmup if answered >= args.warmup else None
    new_conversations = soak.conversations[max(soak.conversations)] - soak.conversations.get(warmup, 0)
    print(f"\n{'port':>6} {'pid':>8} {'process':<14} {'start MB':>9} {'warm-up MB':>10} {'end MB':>8} {'max MB':>8}"
          f" {'end %':>7} {'max %':>7} {'KB/conv':>8}")
    worst, gone_names = (float("-inf"), ""), []
    for p in processes:
        start = p.samples[0]
        warm = p.samples.get(warmup) if warmup else None
        end = p.samples[max(p.samples)]
        after = p.after(warmup) if warmup else []
        gone = any(rss is None for rss in p.samples.values())
        top = None if gone or not after else max(after)
        end_growth, max_growth = growth(end, warm), growth(top, warm)
        if gone:
            gone_names.append(p.name)
        elif max_growth > worst[0] or worst[1] == "":
            worst = (max_growth, p.name)
        per_conversation = ((end - warm) * 1024 / new_conversations if warm is not None and end is not None
                            and new_conversations > 0 else float("nan"))
        print(f"{p.port:>6} {p.pid:>8} {p.name:<14} {mb(start):>9} {mb(warm) if warmup else '-':>10} {mb(end):>8} "
              f"{mb(top) if after else '-':>8} {end_growth:>+7.1f} {max_growth:>+7.1f} {per_conversation:>+8.1f}")

    seconds = results.finished - results.started
    rate = results.errors / results.sent if results.sent else 1.0
    print("KB/conv: growth from the end of warm-up to the end, per conversation opened in that time")
    print(f"\nmessages sent {results.sent}, answered {answered}, in {results.conversations} conversations, "
          f"{seconds / 60:.1f} min ({answered / seconds:.1f} msg/s)")
    failures = soak.failures
    in_warmup = f", {soak.warmup_errors} of them in warm-up" if soak.warmup_errors is not None else ""
    print(f"errors {results.errors} ({rate * 100:.2f} %{in_warmup})"
          + (": " + ", ".join(f"{reason} {count}" for reason, count in failures.most_common()) if failures else ""))
    print(f"latency p50 {results.percentile(0.50):.0f} ms, p95 {results.percentile(0.95):.0f} ms, "
          f"p99 {results.percentile(0.99):.0f} ms")

    failed = []
    if aborted:
        failed.append(f"stopped after {answered} of {args.messages} messages: {why_stopped}")
    if gone_names:
        failed.append(f"{', '.join(gone_names)} exited during the run")
    if warmup is None:
        failed.append("the run did not get past warm-up")
    elif worst[1] and not worst[0] <= args.max_growth:
        failed.append(f"{worst[1]} grew {worst[0]:+.1f} % after warm-up (limit {args.max_growth:g} %)")
    if rate > MAX_ERROR_RATE:
        failed.append(f"error rate {rate * 100:.2f} % (limit {MAX_ERROR_RATE * 100:g} %)")
    if failed:
        print("\nFAIL: " + "; ".join(failed))
        return 1
    print(f"\nPASS: largest growth after warm-up {worst[0]:+.1f} % ({worst[1]}), limit {args.max_growth:g} %; "
          f"error rate {rate * 100:.2f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
