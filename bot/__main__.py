"""The operators' command line: ``python -m bot --help``."""

import argparse
import json
import sys

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
