"""`python -m bot.web.unavailable DIR`: the answers a load balancer gives when no web app instance
answers, written as files for it to serve: unavailable.json for the chat widget (the same JSON
refusal the web app sends) and unavailable.html for pages. Both carry the hotline's number and
hours and the emergency number from the contact facts."""

import html
import json
import sys
from pathlib import Path

from bot.web.messages import message


def write_pages(folder: Path) -> None:
    text = message("assistant_unavailable")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "unavailable.json").write_text(
        json.dumps({"error": "unavailable", "text": text}, ensure_ascii=False), encoding="utf-8")
    (folder / "unavailable.html").write_text(
        '<!doctype html>\n<html lang="da"><head><meta charset="utf-8"><title>Ikke tilgængelig</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
        f"<body><main><h1>Siden svarer ikke lige nu</h1><p>{html.escape(text)}</p></main></body></html>\n",
        encoding="utf-8")


if __name__ == "__main__":
    write_pages(Path(sys.argv[1]))
