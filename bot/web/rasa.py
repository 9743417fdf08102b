"""Talking to Rasa's REST channel, with a deadline: the user never waits longer. On loopback plain
HTTP; across machines (Kubernetes) HTTPS, the server verified against the CA file that signed it
(ASVS 12.3.1 / 12.3.3, docs/deployment.md "Internal TLS")."""

import asyncio
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

READY_TIMEOUT = aiohttp.ClientTimeout(total=2)


class AssistantUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class AssistantReply:
    """One message from the assistant: text with optional quick-reply buttons, or a custom payload."""

    text: str | None = None
    buttons: tuple[dict, ...] = ()
    custom: dict = field(default_factory=dict)


def server_verification(url: str, ca_file: str | None) -> ssl.SSLContext | bool:
    """How an https `url` is verified: against `ca_file` alone (an internal CA) when given, else
    against the system's CAs (True, aiohttp's default). A CA file with a plain http URL is refused:
    whoever set it expects TLS, and the connection would silently go without."""
    if not ca_file:
        return True
    if urlsplit(url).scheme != "https":
        raise ValueError("RASA_CA_FILE is set, but Rasa's address is not https://")
    return ssl.create_default_context(cafile=ca_file)


class RasaClient:
    def __init__(self, url: str, timeout_seconds: float, ca_file: str | None = None) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._verification = server_verification(url, ca_file)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self.timeout,
                                              connector=aiohttp.TCPConnector(ssl=self._verification))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, sender: str, text: str) -> list[AssistantReply]:
        """The assistant's replies to `text` from `sender`; AssistantUnavailable on any failure."""
        assert self._session is not None, "RasaClient.start() was not called"
        try:
            async with self._session.post(self.url, json={"sender": sender, "message": text}) as response:
                if response.status != 200:
                    raise AssistantUnavailable(f"Rasa answered HTTP {response.status}")
                body = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise AssistantUnavailable(type(error).__name__) from error
        return [_reply(item) for item in body if isinstance(item, dict)]

    async def answers(self) -> bool:
        """Rasa's root path answers 200 (readiness; any failure raises)."""
        assert self._session is not None, "RasaClient.start() was not called"
        base = self.url.split("/webhooks/")[0] + "/"
        async with self._session.get(base, timeout=READY_TIMEOUT) as response:
            return response.status == 200


def _reply(item: dict) -> AssistantReply:
    buttons = tuple(
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
        for button in item.get("buttons") or []
    )
    custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
    return AssistantReply(text=item.get("text"), buttons=buttons, custom=custom)
