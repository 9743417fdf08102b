"""Talking to Rasa's REST channel on loopback, with a deadline: the user never waits longer."""

import asyncio
from dataclasses import dataclass, field

import aiohttp


class AssistantUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time, or answered with an error."""


@dataclass(frozen=True)
class AssistantReply:
    """One message from the assistant: text with optional quick-reply buttons, or a custom payload."""

    text: str | None = None
    buttons: tuple[dict, ...] = ()
    custom: dict = field(default_factory=dict)


class RasaClient:
    def __init__(self, url: str, timeout_seconds: float) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self.timeout)

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


def _reply(item: dict) -> AssistantReply:
    buttons = tuple(
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
        for button in item.get("buttons") or []
    )
    custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
    return AssistantReply(text=item.get("text"), buttons=buttons, custom=custom)
