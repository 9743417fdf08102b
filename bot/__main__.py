"""The operators' command line: ``python -m bot --help``."""

import argparse
import json
import logging
import signal
import sys
import threading
from dataclasses import replace

from bot.knowledge.places import lookup_place


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
