"""The contact data file: every route sourced and dated, numbers well-formed, hours correct."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.knowledge.contacts import contact_routes, contact_variables, route

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Short codes (112), EU-wide six-digit helplines (116 006), eight digits in pairs or as 70 201 201.
DANISH_NUMBER = re.compile(r"^(\d{3}|116 \d{3}|\d{2} \d{2} \d{2} \d{2}|\d{2} \d{3} \d{3})$")


def test_every_route_has_source_audience_and_check_date():
    for contact in contact_routes().values():
        assert contact.source.strip(), contact.id
        assert contact.audience.strip(), contact.id
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", contact.last_checked), contact.id


def test_numbers_are_short_codes_or_eight_digits():
    for contact in contact_routes().values():
        for number in (contact.number, contact.general_number):
            if number is not None:
                assert DANISH_NUMBER.match(number), (contact.id, number)


def test_the_routes_the_assistant_recommends_all_exist():
    expected = {"emergency", "police", "hotline", "infohus", "ssp", "school_leadership", "underretning", "center",
                "exit_help", "victim_support", "livslinien"}
    assert expected <= set(contact_routes())


def test_domain_facts_for_the_main_numbers():
    # DOMAIN.md: 112 for acute danger, 114 for the police, the hotline 41 74 90 90 every day 8-22.
    assert route("emergency").number == "112"
    assert route("police").number == "114"
    assert route("hotline").number == "41 74 90 90"
    assert route("hotline").hours.text_da == "alle dage kl. 8-22"
    # ... and for the situations that are not extremism: victim support and Livslinien (11-05).
    assert route("victim_support").number == "116 006" and route("victim_support").hours is None
    assert route("livslinien").number == "70 201 201"
    assert route("livslinien").hours.text_da == "alle dage kl. 11-05"


@pytest.mark.parametrize(
    ("local_time", "is_open"),
    [(datetime(2026, 1, 5, 10, 59), False), (datetime(2026, 1, 5, 11, 0), True), (datetime(2026, 1, 5, 23, 30), True),
     (datetime(2026, 1, 6, 4, 59), True), (datetime(2026, 1, 6, 5, 0), False)],
)
def test_hours_that_run_past_midnight(local_time, is_open):
    assert route("livslinien").hours.is_open(local_time.replace(tzinfo=COPENHAGEN)) is is_open


@pytest.mark.parametrize(
    ("local_time", "is_open"),
    [
        (datetime(2026, 1, 5, 7, 59), False),
        (datetime(2026, 1, 5, 8, 0), True),
        (datetime(2026, 7, 12, 21, 59), True),   # a Sunday in summer time
        (datetime(2026, 7, 12, 22, 0), False),
        (datetime(2026, 12, 24, 3, 0), False),
    ],
)
def test_hotline_opening_hours_in_copenhagen_time(local_time, is_open):
    assert route("hotline").hours.is_open(local_time.replace(tzinfo=COPENHAGEN)) is is_open


def test_opening_hours_follow_copenhagen_not_utc():
    # 07:30 UTC in July is 09:30 in Copenhagen: open.
    assert route("hotline").hours.is_open(datetime(2026, 7, 1, 7, 30, tzinfo=ZoneInfo("UTC")))


def test_template_variables_come_from_the_data_file():
    variables = contact_variables()
    assert variables["hotline_number"] == route("hotline").number
    assert variables["emergency_number"] == route("emergency").number
    assert all(isinstance(value, str) and value for value in variables.values())
