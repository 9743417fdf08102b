"""The live part of a handoff in the web app: waiting, a worker taking the case, messages both
ways (relayed in memory, never stored), closing, and users nobody answered in time."""

import asyncio

import pytest

from bot.knowledge.contacts import route
from bot.web.conversations import ConversationRegistry, Mode
from bot.web.live import DeskHub, LiveRelay

CODE = "K7HM-4XRT"


@pytest.fixture
def relay():
    return LiveRelay(ConversationRegistry(buffer_size=50, idle_seconds=3600), DeskHub(), claim_timeout_seconds=600)


async def waiting_user(relay: LiveRelay):
    conversation = relay.registry.open()
    await relay.start_waiting(conversation, CODE)
    return conversation


async def test_after_a_handoff_the_user_waits_with_the_case_code_and_the_desk_hears_of_it(relay):
    desk = relay.hub.listen_to_queue()
    conversation = await waiting_user(relay)
    status = conversation.events_after(0)[-1]
    assert (status["type"], status["mode"], status["case_code"]) == ("status", "waiting", CODE)
    assert CODE in status["text"] and route("hotline").number in status["text"]
    assert desk.get_nowait() == {"type": "queue"}
    assert relay.registry.by_case(CODE) is conversation


async def test_messages_go_both_ways_while_live_and_the_worker_sees_them_as_plain_data(relay):
    conversation = await waiting_user(relay)
    case = relay.hub.listen_to_case(CODE)
    await relay.from_user(conversation, "<script>alert(1)</script> hjælp")
    assert (await case.get())["text"] == "<script>alert(1)</script> hjælp"
    assert not await relay.from_staff(CODE, "Hej")  # not taken yet: nobody may write as staff
    await relay.claimed(CODE)
    assert conversation.mode is Mode.HUMAN
    assert await relay.from_staff(CODE, "Hej, jeg hedder Lise fra hotlinen")
    staff_event = conversation.events_after(0)[-1]
    assert (staff_event["type"], staff_event["text"]) == ("staff", "Hej, jeg hedder Lise fra hotlinen")
    assert [m["type"] for m in relay.transcript(CODE)] == ["user", "staff"]


async def test_when_staff_close_the_case_the_assistant_takes_over_and_the_messages_are_gone(relay):
    conversation = await waiting_user(relay)
    await relay.claimed(CODE)
    await relay.from_user(conversation, "tak")
    await relay.resolved(CODE)
    last = conversation.events_after(0)[-1]
    assert (last["type"], last["mode"]) == ("status", "bot")
    assert conversation.mode is Mode.BOT and conversation.live == []
    assert relay.transcript(CODE) is None


async def test_a_released_case_puts_the_user_back_in_the_queue(relay):
    conversation = await waiting_user(relay)
    await relay.claimed(CODE)
    await relay.released(CODE)
    assert conversation.mode is Mode.WAITING
    assert conversation.events_after(0)[-1]["mode"] == "waiting"


async def test_a_user_nobody_takes_in_time_is_told_to_call_with_the_code(relay):
    conversation = await waiting_user(relay)
    relay.claim_timeout_seconds = 0
    await asyncio.sleep(0.01)
    assert await relay.send_waiting_home() == 1
    last = conversation.events_after(0)[-1]
    assert last["mode"] == "bot" and CODE in last["text"]
    assert route("hotline").number in last["text"] and route("hotline").hours.text_da in last["text"]
    assert await relay.send_waiting_home() == 0


async def test_a_user_who_starts_over_leaves_the_case_and_the_desk_is_told(relay):
    conversation = await waiting_user(relay)
    case = relay.hub.listen_to_case(CODE)
    await relay.user_left(conversation)
    assert await case.get() == {"type": "presence", "in_chat": False}
    assert relay.registry.by_case(CODE) is None


async def test_long_polling_returns_as_soon_as_an_event_arrives(relay):
    conversation = relay.registry.open()
    waiter = asyncio.create_task(conversation.wait_for_events(0, timeout=30))
    await asyncio.sleep(0.01)
    await conversation.emit("bot", text="hej")
    events = await asyncio.wait_for(waiter, timeout=5)
    assert [e["text"] for e in events] == ["hej"]
