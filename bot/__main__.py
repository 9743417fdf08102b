"""The operators' command line: ``python -m bot --help``."""

import argparse
import json
import logging
import signal
import sys
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.knowledge.places import lookup_place

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _lookup(args: argparse.Namespace) -> int:
    place = " ".join(args.place)
    match = lookup_place(place)
    if match is None:
        print(
            f"Ukendt sted: '{place}'. Skriv navnet på en kommune, en by eller en bydel, "
            "fx 'Aarhus', 'Hellerup' eller 'Rønne'.",
            file=sys.stderr,
        )
        return 1
    result = {
        "query": place,
        "kommune": match.kommune,
        "police_district": match.police_district.name,
        "infohus": match.police_district.infohus,
        "matched": {"name": match.matched_name, "kind": match.kind},
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _anonymize(args: argparse.Namespace) -> int:
    from bot.privacy.anonymizer import anonymize

    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        print(anonymize(line), flush=args.unbuffered)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from bot.store.migrate import upgrade

    upgrade()
    print("The handoff database is up to date.")
    return 0


def _retention(args: argparse.Namespace):
    from bot.store.settings import settings

    configured = settings().retention
    return replace(
        configured,
        resolved_days=args.resolved_days if args.resolved_days is not None else configured.resolved_days,
        unclaimed_days=args.unclaimed_days if args.unclaimed_days is not None else configured.unclaimed_days,
    )


def _purge(args: argparse.Namespace) -> int:
    from bot.store.engine import make_engine
    from bot.store.maintenance import purge
    from bot.store.settings import tracker_store_url

    engine = make_engine()
    report = purge(engine, _retention(args), tracker_store_url())
    engine.dispose()
    print(json.dumps(report.as_dict()))
    return 0


def _maintain(args: argparse.Namespace) -> int:
    from bot.store.engine import make_engine
    from bot.store.maintenance import run_housekeeping
    from bot.store.settings import settings, spool_dir, tracker_store_url
    from bot.store.spool import Spool

    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    config = replace(settings(), retention=_retention(args))
    engine = make_engine()
    run_housekeeping(engine, Spool(spool_dir()), config, tracker_store_url(), stop)
    engine.dispose()
    return 0


def _staff(args: argparse.Namespace) -> int:
    from sqlalchemy import inspect
    from sqlalchemy.exc import OperationalError

    from bot.staff.accounts import AccountError
    from bot.store.engine import make_engine

    engine = make_engine()
    try:
        if not inspect(engine).has_table("staff_accounts"):
            print(
                "Databasen er ikke klar: tabellen med personalets konti findes ikke endnu. "
                "Kør først 'python -m bot migrate'.",
                file=sys.stderr,
            )
            return 1
        print(args.staff_action(engine, args))
        return 0
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    except OperationalError:
        print("Kunne ikke få forbindelse til databasen. Tjek DATABASE_URL, og prøv igen.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _read_password() -> str:
    """Asked twice at a terminal; otherwise one line of stdin, so scripts can pipe it in."""
    from getpass import getpass

    from bot.staff.accounts import AccountError

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass("Adgangskode: ")
    if getpass("Gentag adgangskoden: ") != password:
        raise AccountError("De to adgangskoder er ikke ens. Prøv igen.")
    return password


def _staff_add(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.accounts import Role, create_account

    role = Role.ADMIN if args.admin else Role.STAFF
    account = create_account(engine, args.username, _read_password(), role, must_change_password=not args.final)
    return f"Konto oprettet: {account.username} ({account.role.value}).{_first_login_note(args)}"


def _first_login_note(args: argparse.Namespace) -> str:
    return "" if args.final else " Adgangskoden skal skiftes ved første log-ind."


def _staff_list(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.accounts import last_logins, list_accounts

    accounts = list_accounts(engine)
    if not accounts:
        return "Der er ingen konti endnu. Opret den første med: python -m bot staff add BRUGERNAVN --admin"
    logins = last_logins(engine)
    width = max(len("brugernavn"), *(len(account.username) for account in accounts))
    lines = [f"{'brugernavn':<{width}}  rolle  aktiv  seneste login"]
    for account in accounts:
        last = logins.get(account.username)
        lines.append(
            f"{account.username:<{width}}  {account.role.value:<5}  {'ja' if account.active else 'nej':<5}  "
            f"{last.strftime('%Y-%m-%d %H:%M UTC') if last else 'aldrig'}"
        )
    return "\n".join(lines)


def _staff_disable(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.accounts import set_active

    account = set_active(engine, args.username, False, actor="cli")
    return f"Konto deaktiveret: {account.username}. Kontoens sessioner er afsluttet."


def _staff_enable(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.accounts import set_active

    return f"Konto aktiveret: {set_active(engine, args.username, True, actor='cli').username}"


def _staff_role(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.accounts import Role, set_role

    account = set_role(engine, args.username, Role(args.role), actor="cli")
    return f"Rolle ændret: {account.username} er nu {account.role.value}"


def _staff_passwd(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.accounts import set_password

    username = args.username.strip().lower()
    set_password(engine, username, _read_password(), actor="cli", must_change_password=not args.final)
    return f"Adgangskode ændret: {username}. Kontoens sessioner er afsluttet.{_first_login_note(args)}"


def _staff_reset_second_factor(engine: "Engine", args: argparse.Namespace) -> str:
    from bot.staff.second_factor import reset

    account = reset(engine, args.username, actor="cli")
    return (f"Totrinsbekræftelse nulstillet: {account.username}. Kontoens sessioner er afsluttet. "
            "Den kan slås til igen ved næste log-ind.")


def _add_staff_commands(commands: "argparse._SubParsersAction") -> None:
    staff = commands.add_parser(
        "staff",
        help="manage the staff desk's accounts (DATABASE_URL)",
        description="Create, list, disable, enable and change staff desk accounts. No account exists by default.",
    )
    staff.set_defaults(handler=_staff)
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    password_input = "The password is asked for twice at a terminal, otherwise read as one line from stdin."
    final_help = ("the password is its owner's own choice: do not ask for a new one at the next log-in "
                  "(default: the desk asks for one first)")

    add = actions.add_parser("add", help="create an account", description=f"Create an account. {password_input}")
    add.add_argument("username", help="3-64 characters: lowercase letters, digits, . _ -")
    add.add_argument("--admin", action="store_true", help="give the account the admin role (default: staff)")
    add.add_argument("--final", action="store_true", help=final_help)
    add.set_defaults(staff_action=_staff_add)

    actions.add_parser("list", help="list the accounts with role, status and last login").set_defaults(
        staff_action=_staff_list
    )

    for name, action, help_text in (
        ("disable", _staff_disable, "disable an account and end its sessions"),
        ("enable", _staff_enable, "enable a disabled account"),
    ):
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("username")
        parser.set_defaults(staff_action=action)

    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=("staff", "admin"))
    role.set_defaults(staff_action=_staff_role)

    passwd = actions.add_parser(
        "passwd",
        help="set an account's password and end its sessions",
        description=f"Set a new password. {password_input}",
    )
    passwd.add_argument("username")
    passwd.add_argument("--final", action="store_true", help=final_help)
    passwd.set_defaults(staff_action=_staff_passwd)

    reset = actions.add_parser(
        "reset-totp",
        help="take away an account's second factor (TOTP and recovery codes) and end its sessions",
        description="For someone who lost both phone and recovery codes, or the last admin: the account "
                    "sets up a new second factor at its next log-in.",
    )
    reset.add_argument("username")
    reset.set_defaults(staff_action=_staff_reset_second_factor)


def _add_retention_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--resolved-days", type=float, help="days a resolved case is kept (default from bot/store/settings.yml: 30)")
    parser.add_argument("--unclaimed-days", type=float, help="days a never-claimed case is kept (default: 7)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Operator tools for the Danish assistant for worries about extremism.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lookup = commands.add_parser(
        "lookup",
        help="print the kommune and police district for a place name as JSON",
        description="Find the kommune, police district and infohus for a kommune, town or district name.",
    )
    lookup.add_argument("place", nargs="+", help="a kommune, town or city-district name, e.g. Hellerup")
    lookup.set_defaults(handler=_lookup)

    anonymize = commands.add_parser(
        "anonymize",
        help="replace personal data in each line of stdin with [NAVN], [CPR], [TELEFON] ...",
        description="Read lines on stdin; write one anonymised line per input line.",
    )
    anonymize.add_argument("--unbuffered", action="store_true", help="flush after every line")
    anonymize.set_defaults(handler=_anonymize)

    migrate = commands.add_parser("migrate", help="create or upgrade the handoff database (DATABASE_URL)")
    migrate.set_defaults(handler=_migrate)

    purge = commands.add_parser(
        "purge",
        help="expire unclaimed cases and delete cases, audit rows and conversation events past retention",
        description="Delete what is past its retention; print the counts as JSON.",
    )
    _add_retention_options(purge)
    purge.set_defaults(handler=_purge)

    maintain = commands.add_parser(
        "maintain",
        help="run the housekeeping loop: write spooled handoffs, expire and purge (make run starts it)",
    )
    _add_retention_options(maintain)
    maintain.set_defaults(handler=_maintain)

    _add_staff_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
