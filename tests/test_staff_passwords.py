"""Choosing passwords: common, leaked and guessable ones refused with a kind reason (desk and
command line), a password an admin chose changed at the first log-in before anything else, and
staff changing their own password from the desk, which ends the account's other sessions."""

import pytest

from bot.staff.accounts import AccountError, Role, authenticate, create_account, list_accounts, set_password
from bot.staff.password_policy import GUESSABLE
from tests.test_staff_accounts import cli_database, run_cli  # noqa: F401 (a fixture)
from tests.test_web_desk import PASSWORD, app, client, csrf_from, desk_client, engine, log_in  # noqa: F401

WEAK = ["password1234", "Sommer2024!", "Sommer2024!!", "qwertyuiop123"]
NEW = "blå cykel under tårnet"


@pytest.mark.parametrize("weak", WEAK)
def test_common_and_guessable_passwords_are_refused_with_a_reason(store_engine, weak):
    with pytest.raises(AccountError, match="for let at gætte|mindst 12 tegn") as refused:
        create_account(store_engine, "alice", weak)
    assert str(refused.value).endswith(".")
    create_account(store_engine, "alice", PASSWORD)
    with pytest.raises(AccountError):
        set_password(store_engine, "alice", weak, actor="cli")


def test_a_long_common_password_gets_the_guessable_reason(store_engine):
    with pytest.raises(AccountError) as refused:
        create_account(store_engine, "alice", "password1234")
    assert str(refused.value) == GUESSABLE


def test_the_command_line_refuses_weak_passwords_and_marks_the_first_one(cli_database):
    refused = run_cli("add", "bob", stdin="password1234\n")
    assert refused.returncode == 1 and GUESSABLE in refused.stderr
    assert run_cli("add", "bob", stdin=PASSWORD + "\n").returncode == 0
    assert run_cli("add", "eva", "--final", stdin=PASSWORD + "\n").returncode == 0
    from bot.store.engine import make_engine

    engine = make_engine(cli_database)
    marked = {account.username: account.must_change_password for account in list_accounts(engine)}
    engine.dispose()
    assert marked == {"bob": True, "eva": False}


async def desk_token(client) -> str:
    return csrf_from(await (await client.get("/staff/password", headers={"Accept": "text/html"})).text())


async def test_an_account_an_admin_made_must_change_its_password_first(aiohttp_client, app, engine):
    boss = await desk_client(aiohttp_client, app)
    assert (await log_in(boss, "admin")).status == 303
    token = csrf_from(await (await boss.get("/staff/accounts")).text())
    weak = await boss.post("/staff/accounts", data={"username": "nyansat", "password": "Sommer2024!", "csrf_token": token})
    assert "nyansat" not in {account.username for account in list_accounts(engine)}
    assert "mindst 12 tegn" in await weak.text()
    await boss.post("/staff/accounts", data={"username": "nyansat", "password": "password1234", "csrf_token": token})
    assert "nyansat" not in {account.username for account in list_accounts(engine)}
    await boss.post("/staff/accounts", data={"username": "nyansat", "password": PASSWORD, "csrf_token": token})
    assert [a.must_change_password for a in list_accounts(engine) if a.username == "nyansat"] == [True]

    new = await desk_client(aiohttp_client, app)
    assert (await log_in(new, "nyansat")).headers["Location"] == "/staff"
    page = await new.get("/staff", headers={"Accept": "text/html"}, allow_redirects=False)
    assert page.status == 303 and page.headers["Location"] == "/staff/password"
    assert (await new.get("/staff/queue", allow_redirects=False)).status == 403
    token = await desk_token(new)
    answer = await new.post("/staff/password", data={"current": PASSWORD, "new": NEW, "again": NEW, "csrf_token": token},
                            allow_redirects=False)
    assert answer.status == 303
    assert (await new.get("/staff", headers={"Accept": "text/html"}, allow_redirects=False)).status == 200
    assert authenticate(engine, "nyansat", NEW).must_change_password is False


async def test_staff_change_their_password_and_other_sessions_end(aiohttp_client, app, engine):
    here, elsewhere = [await desk_client(aiohttp_client, app) for _ in range(2)]
    for browser in (here, elsewhere):
        assert (await log_in(browser, "lise")).status == 303
    token = await desk_token(here)

    async def change(current, new, again, csrf=token):
        return await here.post("/staff/password", data={"current": current, "new": new, "again": again,
                                                        "csrf_token": csrf}, allow_redirects=False)

    assert (await change(PASSWORD, NEW, NEW, csrf="forfalsket")).status == 403
    mismatch = await change(PASSWORD, NEW, NEW + "x")
    assert mismatch.status == 400 and "ikke ens" in await mismatch.text()
    weak = await change(PASSWORD, "password1234", "password1234")
    assert weak.status == 400 and "for let at gætte" in await weak.text()
    wrong = await change("forkert forkert", NEW, NEW)
    assert wrong.status == 400 and "nuværende adgangskode er forkert" in await wrong.text()
    assert authenticate(engine, "lise", PASSWORD) is not None

    assert (await change(PASSWORD, NEW, NEW)).status == 303
    assert (await here.get("/staff/queue")).status == 200
    assert (await elsewhere.get("/staff/queue")).status == 401
    assert authenticate(engine, "lise", PASSWORD) is None
    assert authenticate(engine, "lise", NEW).role is Role.STAFF
