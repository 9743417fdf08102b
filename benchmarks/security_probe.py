"""Security probe: replays the attacks docs/security.md answers against a running web app and prints
a table of results. Harmless for the product: the log-in flood uses a username nobody has (its
failures only slow down that name from this address), and conversations are ordinary ones.

    .venv/bin/python benchmarks/security_probe.py http://127.0.0.1:8000 [--pid PID] [--user NAME]

With --pid (the web app's process on this machine) the log-in flood also compares its memory before
and after. With --user, the desk's log-out is probed with that account; its password is read from
SECURITY_PROBE_PASSWORD (never the command line). tests/test_security_probe.py runs every probe.
"""

import argparse
import asyncio
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import aiohttp

FLOOD = 50                 # concurrent wrong log-ins
FLOOD_USER = "security-probe"
MEMORY_LIMIT_MB = 200      # the flood may not grow the web app by more (docs/desk-security.md)
NESTING = 1000             # depth of the nested-JSON probe
FOREIGN = "https://evil.example"


@dataclass
class Result:
    probe: str
    passed: bool | None  # None: skipped
    detail: str


def client(base: str) -> aiohttp.ClientSession:
    """A client that keeps the desk's Secure cookies even over plain HTTP on this machine."""
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base.rstrip("/")])
    return aiohttp.ClientSession(base, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for {pid}")


async def login_flood(base: str, pid: int | None = None) -> Result:
    """50 wrong passwords at once: none may succeed or fail with a server error; with a pid, the
    process may not grow past the limit."""
    before = rss_mb(pid) if pid else None
    async with client(base) as session:
        token = _csrf(await (await session.get("/staff/login")).text())
        form = {"username": FLOOD_USER, "password": "forkert forkert forkert", "csrf_token": token}

        async def one() -> int:
            async with session.post("/staff/login", data=form, allow_redirects=False) as response:
                return response.status

        statuses = await asyncio.gather(*(one() for _ in range(FLOOD)))
    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    passed = set(counts) <= {401, 429, 503}
    detail = f"answers {counts}"
    if pid:
        after = rss_mb(pid)
        passed = passed and after - before < MEMORY_LIMIT_MB
        detail += f"; memory {before:.0f} -> {after:.0f} MB"
    return Result("log-in flood", passed, detail)


async def token_reuse_after_logout(base: str, username: str | None, password: str | None) -> Result:
    """A session id used again after its log-out must be refused."""
    if not username or not password:
        return Result("desk token after log-out", None, "skipped: no --user / SECURITY_PROBE_PASSWORD")
    async with client(base) as session:
        token = _csrf(await (await session.get("/staff/login")).text())
        await session.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                           allow_redirects=False)
        cookies = {c.key: c.value for c in session.cookie_jar if c.key.endswith("staff_session")}
        if not cookies:
            return Result("desk token after log-out", False, "could not log in")
        token = _csrf(await (await session.get("/staff", headers={"Accept": "text/html"})).text())
        await session.post("/staff/logout", data={"csrf_token": token}, allow_redirects=False)
    [(name, value)] = cookies.items()
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.DummyCookieJar()) as stranger:
        async with stranger.get("/staff/queue", headers={"Cookie": f"{name}={value}"},
                                allow_redirects=False) as response:
            status = response.status
    return Result("desk token after log-out", status in (401, 303), f"old session id answered {status}")


async def _bot_texts(session: aiohttp.ClientSession, text: str) -> list[str]:
    conversation = (await (await session.post("/chat/session")).json())["conversation"]
    response = await session.post("/chat/messages", json={"conversation": conversation, "text": text})
    events = (await response.json()).get("events", [])
    return [event.get("text") for event in events if event.get("type") == "bot"]


async def intent_injection(base: str) -> Result:
    """Typing `/acute_danger` must be read as the words, not as the intent: the same answer as
    typing `acute_danger`."""
    async with aiohttp.ClientSession(base) as session:
        typed_intent = await _bot_texts(session, "/acute_danger")
        plain = await _bot_texts(session, "acute_danger")
    return Result("typed intent /acute_danger", typed_intent == plain,
                  "answered as plain words" if typed_intent == plain else "answered differently from the words")


async def nested_json(base: str) -> Result:
    """JSON nested deeper than allowed gets a 400, not a server error."""
    body = "[" * NESTING + "]" * NESTING
    payload = '{"conversation": "x", "text": ' + body + "}"
    async with aiohttp.ClientSession(base) as session:
        async with session.post("/chat/messages", data=payload,
                                headers={"Content-Type": "application/json"}) as response:
            status, answer = response.status, await response.text()
    error = json.loads(answer).get("error") if answer.startswith("{") else None
    return Result(f"nested JSON ({NESTING} deep)", status == 400, f"{status} {error}")


async def foreign_origin(base: str) -> Result:
    """A page on another site may not open a conversation."""
    async with aiohttp.ClientSession(base) as session:
        async with session.post("/chat/session", headers={"Origin": FOREIGN}) as response:
            status = response.status
    return Result("foreign Origin on /chat/session", status == 403, f"answered {status}")


async def run_all(base: str, pid: int | None = None, username: str | None = None,
                  password: str | None = None) -> list[Result]:
    return [
        await login_flood(base, pid),
        await token_reuse_after_logout(base, username, password),
        await intent_injection(base),
        await nested_json(base),
        await foreign_origin(base),
    ]


def table(results: list[Result]) -> str:
    width = max(len(result.probe) for result in results)
    verdict = {True: "pass", False: "FAIL", None: "skip"}
    return "\n".join(f"{result.probe:<{width}}  {verdict[result.passed]:<4}  {result.detail}" for result in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the web app, e.g. http://127.0.0.1:8000")
    parser.add_argument("--pid", type=int, help="the web app's process id (on this machine), for memory")
    parser.add_argument("--user", help="a desk account for the log-out probe")
    args = parser.parse_args()
    results = asyncio.run(run_all(args.url, args.pid, args.user, os.environ.get("SECURITY_PROBE_PASSWORD")))
    print(table(results))
    raise SystemExit(0 if all(result.passed is not False for result in results) else 1)


if __name__ == "__main__":
    main()
