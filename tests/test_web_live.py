"""The live part of a handoff in the web app: waiting, a worker taking the case, messages both
ways (relayed, never stored), closing, and users nobody answered in time. Each test runs on both
conversation stores: this process's memory and Redis (shared by several web app instances)."""

import asyncio

import pytest

from bot.knowledge.contacts import route
from bot.web.conversations import Conversation, Mode
from bot.web.live import DeskHub, LiveRelay
from bot.web.redis_state import RedisConversations
from tests.support.redis_server import redis_url, unique_prefix

CODE = "K7HM-4XRT"


@pytest.fixture
def relay(conversation_store):
    return LiveRelay(conversation_store, claim_timeout_seconds=600)


async def waiting_user(relay: LiveRelay) -> Conversation:
    conversation = await relay.store.open()
    await relay.start_waiting(conversation, CODE)
    return await relay.store.get(conversation.token)


async def last_event(relay: LiveRelay, conversation: Conversation) -> dict:
    return (await relay.store.events_after(conversation.token, 0))[-1]


async def next_event(listener: asyncio.Queue) -> dict:
    return await asyncio.wait_for(listener.get(), timeout=5)


async def test_after_a_handoff_the_user_waits_with_the_case_code_and_the_desk_hears_of_it(relay):
    desk = relay.store.hub.listen_to_queue()
    conversation = await waiting_user(relay)
    status = await last_event(relay, conversation)
    assert (status["type"], status["mode"], status["case_code"]) == ("status", "waiting", CODE)
    assert CODE in status["text"] and route("hotline").number in status["text"]
    assert await next_event(desk) == {"type": "queue"}
    assert (await relay.store.by_case(CODE)).token == conversation.token
    assert await relay.live_cases() == {CODE}


async def test_messages_go_both_ways_while_live_and_the_worker_sees_them_as_plain_data(relay):
    conversation = await waiting_user(relay)
    case = relay.store.hub.listen_to_case(CODE)
    await relay.from_user(conversation, "<script>alert(1)</script> hjælp")
    assert (await next_event(case))["text"] == "<script>alert(1)</script> hjælp"
    assert not await relay.from_staff(CODE, "Hej")  # not taken yet: nobody may write as staff
    await relay.claimed(CODE)
    assert (await relay.store.get(conversation.token)).mode is Mode.HUMAN
    assert await relay.from_staff(CODE, "Hej, jeg hedder Lise fra hotlinen")
    staff_event = await last_event(relay, conversation)
    assert (staff_event["type"], staff_event["text"]) == ("staff", "Hej, jeg hedder Lise fra hotlinen")
    assert [m["type"] for m in await relay.transcript(CODE)] == ["user", "staff"]


async def test_when_staff_close_the_case_the_assistant_takes_over_and_the_messages_are_gone(relay):
    conversation = await waiting_user(relay)
    await relay.claimed(CODE)
    await relay.from_user(conversation, "tak")
    await relay.resolved(CODE)
    last = await last_event(relay, conversation)
    assert (last["type"], last["mode"]) == ("status", "bot")
    assert (await relay.store.get(conversation.token)).mode is Mode.BOT
    assert await relay.store.live_messages(conversation.token) == []
    assert await relay.transcript(CODE) is None
    assert await relay.live_cases() == set()


async def test_a_released_case_puts_the_user_back_in_the_queue(relay):
    conversation = await waiting_user(relay)
    await relay.claimed(CODE)
    await relay.released(CODE)
    assert (await relay.store.get(conversation.token)).mode is Mode.WAITING
    assert (await last_event(relay, conversation))["mode"] == "waiting"


async def test_a_user_nobody_takes_in_time_is_told_to_call_with_the_code(relay):
    conversation = await waiting_user(relay)
    relay.claim_timeout_seconds = 0
    await asyncio.sleep(0.01)
    assert await relay.send_waiting_home() == 1
    last = await last_event(relay, conversation)
    assert last["mode"] == "bot" and CODE in last["text"]
    assert route("hotline").number in last["text"] and route("hotline").hours.text_da in last["text"]
    assert await relay.send_waiting_home() == 0


async def test_a_user_who_starts_over_leaves_the_case_and_the_desk_is_told(relay):
    conversation = await waiting_user(relay)
    case = relay.store.hub.listen_to_case(CODE)
    await relay.user_left(conversation)
    assert await next_event(case) == {"type": "presence", "in_chat": False}
    assert await relay.store.by_case(CODE) is None


async def test_long_polling_returns_as_soon_as_an_event_arrives(relay):
    conversation = await relay.store.open()
    waiter = asyncio.create_task(relay.store.wait_for_events(conversation.token, 0, timeout=30))
    await asyncio.sleep(0.05)
    await relay.store.emit(conversation.token, "bot", text="hej")
    events = await asyncio.wait_for(waiter, timeout=5)
    assert [e["text"] for e in events] == ["hej"]


async def test_only_the_newest_events_are_kept_and_their_numbers_keep_counting(conversation_store):
    conversation = await conversation_store.open()
    for n in range(conversation_store.buffer_size + 5):
        await conversation_store.emit(conversation.token, "bot", text=str(n))
    events = await conversation_store.events_after(conversation.token, 0)
    assert len(events) == conversation_store.buffer_size
    assert events[-1]["seq"] == conversation_store.buffer_size + 5 == await conversation_store.last_seq(conversation.token)


async def test_events_the_widget_has_acknowledged_are_dropped_and_numbering_goes_on(conversation_store):
    conversation = await conversation_store.open()
    for text in ("en", "to", "tre"):
        await conversation_store.emit(conversation.token, "bot", text=text)
    await conversation_store.acknowledge(conversation.token, 2)
    assert [e["text"] for e in await conversation_store.events_after(conversation.token, 0)] == ["tre"]
    await conversation_store.acknowledge(conversation.token, 1)  # an older acknowledgement changes nothing
    assert [e["seq"] for e in await conversation_store.events_after(conversation.token, 0)] == [3]
    await conversation_store.acknowledge(conversation.token, 3)
    assert await conversation_store.events_after(conversation.token, 0) == []
    assert (await conversation_store.emit(conversation.token, "bot", text="fire"))["seq"] == 4
    assert [e["text"] for e in await conversation_store.events_after(conversation.token, 3)] == ["fire"]


async def test_an_unknown_or_closed_conversation_is_none_and_takes_no_events(conversation_store):
    conversation = await conversation_store.open()
    await conversation_store.close_conversation(conversation.token)
    for token in (conversation.token, "no-such-token", ["a list"], None):
        assert await conversation_store.get(token) is None
    assert await conversation_store.emit(conversation.token, "bot", text="hej") == {}


# -- several web app instances sharing one Redis ----------------------------------------------------

@pytest.fixture
async def two_instances():
    """Two stores on the same Redis and prefix, as two web app processes would have."""
    url, prefix = redis_url(), unique_prefix()
    stores = [RedisConversations(url, DeskHub(), 50, 3600, prefix=prefix) for _ in range(2)]
    for store in stores:
        await store.start()
    yield [LiveRelay(store, claim_timeout_seconds=600) for store in stores]
    for store in stores:
        await store.close()


async def test_a_user_on_one_instance_and_a_worker_on_another_reach_each_other(two_instances):
    user_side, desk_side = two_instances
    queue = desk_side.store.hub.listen_to_queue()
    case = desk_side.store.hub.listen_to_case(CODE)
    conversation = await waiting_user(user_side)
    assert await next_event(queue) == {"type": "queue"}
    assert (await desk_side.store.get(conversation.token)).mode is Mode.WAITING

    await user_side.from_user(conversation, "Er der nogen?")
    assert (await next_event(case))["text"] == "Er der nogen?"

    seen = await user_side.store.last_seq(conversation.token)
    waiter = asyncio.create_task(user_side.store.wait_for_events(conversation.token, seen, timeout=30))
    await asyncio.sleep(0.05)
    await desk_side.claimed(CODE)
    assert [e["mode"] for e in await asyncio.wait_for(waiter, 5)] == ["human"]
    assert await desk_side.from_staff(CODE, "Hej, jeg er her nu")
    assert (await last_event(user_side, conversation))["text"] == "Hej, jeg er her nu"
    assert [m["text"] for m in await desk_side.transcript(CODE)] == ["Er der nogen?", "Hej, jeg er her nu"]


async def test_two_instances_sending_the_same_user_home_tell_them_once(two_instances):
    first, second = two_instances
    conversation = await waiting_user(first)
    first.claim_timeout_seconds = second.claim_timeout_seconds = 0
    await asyncio.sleep(0.01)
    assert sum(await asyncio.gather(first.send_waiting_home(), second.send_waiting_home())) == 1
    statuses = [e for e in await first.store.events_after(conversation.token, 0) if e["mode"] == "bot"]
    assert len(statuses) == 1
