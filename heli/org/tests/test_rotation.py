"""Property-based tests of the lead-unit rotation."""

from hypothesis import given
from hypothesis import strategies as st

from heli.org.rotation import lead_counts, next_leads

members_st = st.lists(st.integers(min_value=1, max_value=500), min_size=0, max_size=25, unique=True)


def simulate(members: list[int], years: int, count: int = 2) -> list[list[int]]:
    history: list[list[int]] = []
    for _ in range(years):
        history.append(next_leads(members, history, count))
    return history


@given(members_st, st.lists(st.lists(st.integers(1, 600), max_size=3), max_size=10))
def test_picks_distinct_members_of_the_right_number(members, history):
    leads = next_leads(members, history)
    assert len(leads) == min(2, len(members))
    assert len(set(leads)) == len(leads)
    assert set(leads) <= set(members)


@given(members_st, st.lists(st.lists(st.integers(1, 600), max_size=3), max_size=10))
def test_no_unit_leads_again_while_another_has_led_less(members, history):
    leads = next_leads(members, history)
    counts = lead_counts(members, history)
    others = [m for m in members if m not in leads]
    for lead in leads:
        for other in others:
            assert counts[lead] <= counts[other]


@given(members_st, st.integers(min_value=1, max_value=30))
def test_every_unit_leads_once_before_any_leads_twice(members, years):
    history = simulate(members, years)
    counts = lead_counts(members, history)
    if members:
        assert max(counts.values()) - min(counts.values()) <= 1


@given(st.lists(st.integers(1, 500), min_size=4, max_size=25, unique=True), st.integers(2, 30))
def test_no_unit_leads_two_years_running_when_the_group_has_room(members, years):
    history = simulate(members, years)
    for last_year, this_year in zip(history, history[1:], strict=False):
        assert not set(last_year) & set(this_year)


@given(members_st, st.integers(1, 12), members_st)
def test_new_members_lead_before_anyone_leads_twice(members, years, newcomers):
    history = simulate(members, years)
    joined = members + [n for n in newcomers if n not in members]
    counts = lead_counts(joined, history)
    leads = next_leads(joined, history)
    never_led = [m for m in joined if counts[m] == 0]
    assert set(leads) <= set(never_led) or set(never_led) <= set(leads)


def test_a_group_of_seventeen_takes_nine_years_to_go_round():
    members = list(range(1, 18))
    history = simulate(members, 9)
    assert history[0] == [1, 2]
    assert history[1] == [3, 4]
    counts = lead_counts(members, history)
    # 18 lead terms over 17 units: everyone once, and unit 1 (led longest ago) twice.
    assert counts[1] == 2
    assert all(counts[m] == 1 for m in members[1:])


def test_a_group_with_one_unit_has_one_lead():
    assert next_leads([7], []) == [7]
    assert next_leads([], []) == []
