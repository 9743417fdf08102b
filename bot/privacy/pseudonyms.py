"""Keyed hashes in place of conversation ids: stable for one deployment, meaningless without the key."""

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

KEY_FILE = Path(__file__).resolve().parents[2] / "var" / "handoff.key"


@cache
def _key() -> bytes:
    """`HANDOFF_HASH_KEY`, or a random key kept in var/handoff.key (made on first use, mode 600)."""
    configured = os.environ.get("HANDOFF_HASH_KEY")
    if configured:
        return configured.encode()
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        temporary = KEY_FILE.with_name(f".handoff.key.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, KEY_FILE)  # atomic: of two first users, one key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return KEY_FILE.read_bytes().strip()


def keyed_hash(*parts: str) -> str:
    """HMAC-SHA256 of the parts, hex (64 characters)."""
    return hmac.new(_key(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def conversation_pseudonym(sender_id: str) -> str:
    return keyed_hash("conversation", sender_id)


def message_idempotency_key(sender_id: str, message_id: str) -> str:
    """The same for every retry of one message in one conversation, so its handoff is stored once."""
    return keyed_hash("handoff", sender_id, message_id)
