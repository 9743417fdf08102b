"""A durable local queue of handoffs the database has not confirmed yet: one JSON file each.

A file is written to a temporary name, flushed to disk and renamed, so a crash leaves either the
whole record or nothing. It is removed only after the database has it; writing is idempotent,
so a record written twice (a crash between commit and removal) is still stored once.
"""

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.store.records import HandoffRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlushResult:
    written: int
    pending: int


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, record: HandoffRecord) -> Path:
        return self.directory / f"{record.idempotency_key}.json"

    def put(self, record: HandoffRecord) -> None:
        """Keep `record` on disk until `remove` is called for it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self._path(record)
        temporary = final.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(record.to_json(), handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        directory_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)

    def remove(self, record: HandoffRecord) -> None:
        self._path(record).unlink(missing_ok=True)

    def pending(self) -> list[HandoffRecord]:
        """The records still waiting, oldest first. Another process may be flushing too."""
        if not self.directory.is_dir():
            return []
        records = []
        for path in sorted(self.directory.glob("*.json"), key=_mtime):
            try:
                records.append(HandoffRecord.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except FileNotFoundError:
                continue
            except (ValueError, TypeError, KeyError):
                log.error("Unreadable spool file %s is left in place for an operator", path.name)
        return records

    def waiting_for(self, conversation_hash: str) -> HandoffRecord | None:
        """A record of this conversation still waiting to be written, if any."""
        return next((r for r in self.pending() if r.conversation_hash == conversation_hash), None)

    def flush(self, save: Callable[[HandoffRecord], object]) -> FlushResult:
        """Write every pending record with `save`; stop at the first failure (the database is
        likely still away) and leave the rest for the next attempt."""
        records = self.pending()
        written = 0
        for record in records:
            try:
                save(record)
            except Exception as error:  # any database error: keep the record, try again later
                log.warning("The handoff store is unavailable (%s); %d handoff(s) wait in the spool",
                            type(error).__name__, len(records) - written)
                break
            self.remove(record)
            written += 1
        return FlushResult(written=written, pending=len(records) - written)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
