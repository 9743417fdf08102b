"""Account administration for admins: create accounts, change roles, close and reopen accounts,
and reset another account's second factor (its owner lost phone and recovery codes)."""

import asyncio

from aiohttp import web

from bot.staff.accounts import AccountError, Role, create_account, last_logins, list_accounts, set_active, set_role
from bot.staff.password_checks import ChecksBusy
from bot.staff.second_factor import reset as reset_second_factor
from bot.staff.settings import staff_settings
from bot.web.appkeys import ENGINE, PASSWORD_CHECKS
from bot.web.desk_auth import ACCOUNT, flash, render, staff_only
from bot.web.security_events import report

routes = web.RouteTableDef()


@routes.get("/staff/accounts")
@staff_only(admin=True)
async def accounts_page(request: web.Request) -> web.Response:
    engine = request.app[ENGINE]
    accounts, logins = await asyncio.gather(
        asyncio.to_thread(list_accounts, engine), asyncio.to_thread(last_logins, engine)
    )
    return await render(request, "staff/accounts.html", {"accounts": accounts, "last_logins": logins,
                        "roles": list(Role), "password_rules": staff_settings().password})


@routes.post("/staff/accounts")
@staff_only(admin=True)
async def add_account(request: web.Request) -> web.Response:
    form = await request.post()
    role = Role.ADMIN if form.get("role") == Role.ADMIN.value else Role.STAFF
    try:
        created = await request.app[PASSWORD_CHECKS].run(  # hashing the password: one of the few at once
            create_account, request.app[ENGINE], str(form.get("username", "")), str(form.get("password", "")),
            role, request[ACCOUNT].username, True,  # an admin chose it: its owner must change it
        )
        await flash(request, f"Kontoen {created.username} er oprettet.")
    except AccountError as error:
        await flash(request, str(error))
    except ChecksBusy:
        await flash(request, "Der er travlt lige nu, så kontoen er ikke oprettet. Prøv igen om lidt.")
    raise web.HTTPSeeOther("/staff/accounts")


@routes.post("/staff/accounts/{username}")
@staff_only(admin=True)
async def change_account(request: web.Request) -> web.Response:
    form = await request.post()
    username, actor = request.match_info["username"].strip().lower(), request[ACCOUNT].username
    engine = request.app[ENGINE]
    try:
        if form.get("change") == "role" and form.get("role") in {r.value for r in Role}:
            if username == actor:
                raise AccountError("Du kan ikke ændre din egen rolle.")
            await asyncio.to_thread(set_role, engine, username, Role(form["role"]), actor)
        elif form.get("change") in {"close", "reopen"}:
            if username == actor:
                raise AccountError("Du kan ikke lukke din egen konto.")
            await asyncio.to_thread(set_active, engine, username, form["change"] == "reopen", actor)
        elif form.get("change") == "reset_second_factor":
            if username == actor:
                raise AccountError("Du kan ikke nulstille din egen totrinsbekræftelse. Bed en anden administrator.")
            await asyncio.to_thread(reset_second_factor, engine, username, actor)
            await report(request, "second_factor_reset", 303, username, kept=True)
            await flash(request, f"Totrinsbekræftelsen for {username} er nulstillet, og kontoen er logget ud. "
                                 "Ved næste log-ind kan den slås til igen.")
            raise web.HTTPSeeOther("/staff/accounts")
        await flash(request, f"Kontoen {username} er ændret.")
    except AccountError as error:
        await flash(request, str(error))
    raise web.HTTPSeeOther("/staff/accounts")
