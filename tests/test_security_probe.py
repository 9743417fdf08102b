"""benchmarks/security_probe.py against the web app as the other tests start it (a real server on a
port, SQLite, an echoing assistant): every probe passes."""

import os

from benchmarks import security_probe
from bot.staff.accounts import create_account
from bot.store.engine import make_engine
from bot.store.migrate import upgrade
from bot.web.app import create_app
from tests.test_web_desk import PASSWORD
from tests.test_web_scaleout import assistant


async def test_every_security_probe_passes(aiohttp_server, tmp_path):
    url = f"sqlite:///{tmp_path / 'probe.db'}"
    upgrade(url)
    engine = make_engine(url)
    create_account(engine, "lise", PASSWORD)
    server = await aiohttp_server(create_app(engine, assistant_url=await assistant(aiohttp_server, engine)))
    base = str(server.make_url("")).rstrip("/")
    results = await security_probe.run_all(base, os.getpid(), "lise", PASSWORD)
    print(security_probe.table(results))
    assert [(r.probe, r.passed) for r in results if r.passed is not True] == []
    engine.dispose()
