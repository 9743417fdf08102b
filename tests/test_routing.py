"""The routing decision: unit tests per branch and invariants over every combination."""

import itertools

import pytest

from bot.knowledge.contacts import contact_routes
from bot.knowledge.routing import Role, Situation, recommend_route

FLAGS = ("acute", "serious_signs", "signs_of_concern", "crime", "victim", "kommune_known", "young_in_school", "young_adult",
         "crisis")
ALL_SITUATIONS = [
    Situation(role, **dict(zip(FLAGS, values)))
    for role in Role
    for values in itertools.product((False, True), repeat=len(FLAGS))
    if not (values[1] and not values[2])  # serious signs are signs of concern
]


@pytest.mark.parametrize("situation", ALL_SITUATIONS, ids=str)
def test_invariants(situation):
    routes = recommend_route(situation)
    assert routes, "never an empty recommendation"
    assert len(routes) == len(set(routes)), "no route twice"
    assert set(routes) <= set(contact_routes()), "every route exists in contacts.yml"
    assert (routes[0] == "emergency") is situation.acute, "112 first exactly when acute"
    assert "emergency" not in routes[1:]
    if situation.role is Role.SELF and not situation.victim:
        assert "police" not in routes
        assert "hotline" in routes and "exit_help" in routes
        assert routes[0] != "infohus"
    else:
        assert "exit_help" not in routes, "exit help only for the person themself"
    if not situation.signs_of_concern:
        assert not {"infohus", "ssp", "ssp_plus", "school", "underretning", "school_leadership"} & set(routes), "no case made of faith or opinions"
    if situation.crime and (situation.role is not Role.SELF or situation.victim):
        assert routes[int(situation.acute)] == "police", "the police right after 112"
    if situation.crisis and (situation.role is not Role.SELF or situation.victim):
        assert "livslinien" in routes and "exit_help" not in routes
    if situation.young_in_school:
        assert "ssp_plus" not in routes, "a pupil gets SSP itself"


def test_parent_with_serious_signs_and_known_kommune_goes_to_the_infohus_first():
    situation = Situation(Role.PARENT, serious_signs=True, signs_of_concern=True, kommune_known=True)
    assert recommend_route(situation) == ["infohus", "hotline"]


def test_serious_signs_without_kommune_start_with_the_hotline():
    situation = Situation(Role.PARENT, serious_signs=True, signs_of_concern=True, kommune_known=False)
    assert recommend_route(situation) == ["hotline", "infohus"]


def test_teacher_with_a_pupil_and_serious_signs():
    situation = Situation(Role.SCHOOL_STAFF, serious_signs=True, signs_of_concern=True, kommune_known=True,
                          young_in_school=True)
    assert recommend_route(situation) == ["school_leadership", "ssp", "infohus", "hotline", "underretning", "center"]


def test_a_teacher_of_a_pupil_of_18_goes_to_school_leadership_and_ssp_plus():
    situation = Situation(Role.SCHOOL_STAFF, signs_of_concern=True, kommune_known=True, young_adult=True)
    assert recommend_route(situation) == ["hotline", "school_leadership", "infohus", "ssp_plus", "center"]


def test_parent_of_a_pupil_with_serious_signs_goes_to_ssp_not_school_leadership():
    routes = recommend_route(Situation(Role.PARENT, serious_signs=True, signs_of_concern=True, kommune_known=True,
                                       young_in_school=True))
    assert routes[0] == "ssp" and "school_leadership" not in routes and "underretning" in routes
    assert routes[1] == "school", "a parent talks with the school too"


def test_a_relative_or_friend_of_a_pupil_gets_ssp_but_not_the_schools_own_routes():
    for role in (Role.RELATIVE, Role.FRIEND, Role.UNKNOWN):
        routes = recommend_route(Situation(role, serious_signs=True, signs_of_concern=True, kommune_known=True,
                                           young_in_school=True))
        assert routes == ["ssp", "infohus", "hotline", "underretning"], role


def test_kommune_staff_with_combination_signs_get_the_hotline_the_infohus_and_the_centre():
    assert recommend_route(Situation(Role.KOMMUNE, signs_of_concern=True)) == ["hotline", "infohus", "center"]


def test_combination_signs_get_advice_from_the_hotline_then_ssp_for_a_pupil_then_the_infohus():
    assert recommend_route(Situation(Role.RELATIVE, signs_of_concern=True)) == ["hotline", "infohus"]
    assert recommend_route(Situation(Role.PARENT, signs_of_concern=True, young_in_school=True)) == [
        "hotline", "ssp", "school", "infohus", "underretning"], "a child drawn towards an extremist environment: underretning"


def test_a_young_adult_with_signs_gets_the_kommunes_ssp_plus_and_no_underretning():
    assert recommend_route(Situation(Role.FRIEND, signs_of_concern=True, young_adult=True)) == [
        "hotline", "infohus", "ssp_plus"]
    assert recommend_route(Situation(Role.PARENT, serious_signs=True, signs_of_concern=True, kommune_known=True,
                                     young_adult=True)) == ["infohus", "hotline", "ssp_plus"]
    assert recommend_route(Situation(Role.PARENT, young_adult=True)) == ["hotline"], "faith or opinions: no SSP+"


def test_a_crisis_told_with_the_worry_puts_livslinien_before_the_rest():
    routes = recommend_route(Situation(Role.FRIEND, signs_of_concern=True, crisis=True, young_in_school=True))
    assert routes[0] == "livslinien" and "ssp" in routes and "exit_help" not in routes
    assert recommend_route(Situation(Role.PARENT, acute=True, crisis=True))[:2] == ["emergency", "livslinien"]


def test_faith_or_opinions_alone_get_the_hotline_for_a_talk_and_nothing_more():
    assert recommend_route(Situation(Role.PARENT, young_in_school=True, kommune_known=True)) == ["hotline"]


def test_professionals_and_kommune_staff_are_also_pointed_to_the_national_centre():
    assert recommend_route(Situation(Role.PROFESSIONAL)) == ["hotline", "center"]
    assert recommend_route(Situation(Role.KOMMUNE, serious_signs=True, signs_of_concern=True))[-1] == "center"


def test_school_staff_with_signs_of_concern_also_get_the_national_centre():
    serious = Situation(Role.SCHOOL_STAFF, serious_signs=True, signs_of_concern=True, young_in_school=True)
    assert recommend_route(serious)[-1] == "center"
    several = Situation(Role.SCHOOL_STAFF, signs_of_concern=True, young_in_school=True)
    assert recommend_route(several) == ["hotline", "school_leadership", "ssp", "infohus", "underretning", "center"]
    assert "center" not in recommend_route(Situation(Role.SCHOOL_STAFF, young_in_school=True))


def test_acute_danger_puts_112_before_everything_else():
    routes = recommend_route(Situation(Role.PARENT, acute=True, serious_signs=True, signs_of_concern=True,
                                       kommune_known=True))
    assert routes == ["emergency", "infohus", "hotline"]


def test_a_crime_puts_the_police_first_and_a_victim_gets_victim_support():
    assert recommend_route(Situation(crime=True)) == ["police", "hotline"]
    assert recommend_route(Situation(crime=True, victim=True)) == ["police", "victim_support", "hotline"]
    routes = recommend_route(Situation(Role.PARENT, crime=True, serious_signs=True, signs_of_concern=True, kommune_known=True))
    assert routes == ["police", "infohus", "hotline"]


def test_the_person_worried_about_themself_gets_exit_help_and_never_police_first():
    assert recommend_route(Situation(Role.SELF, serious_signs=True, signs_of_concern=True, kommune_known=True)) == [
        "hotline", "exit_help"]
    assert recommend_route(Situation(Role.SELF, acute=True)) == ["emergency", "hotline", "exit_help"]


def test_a_victim_who_writes_of_themself_gets_the_police_and_victim_support_not_exit_help():
    assert recommend_route(Situation(Role.SELF, crime=True, victim=True)) == ["police", "victim_support", "hotline"]
    assert recommend_route(Situation(Role.SELF, acute=True, crime=True, victim=True, serious_signs=True,
                                     signs_of_concern=True))[:3] == ["emergency", "police", "victim_support"]
