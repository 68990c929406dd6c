"""The workflow table has no dead ends: every open state leads to 销号, and 销号 is final."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from heli.tracking import workflow
from heli.tracking.workflow import ACTORS, TRANSITIONS, Status, Step

OPEN = [s for s in Status if s != Status.CLOSED]


@given(st.sampled_from(OPEN))
def test_every_open_state_can_reach_closed(status: Status) -> None:
    assert Status.CLOSED in workflow.reachable(status)


def test_closed_has_no_way_out() -> None:
    assert workflow.steps_from(Status.CLOSED) == []
    assert workflow.reachable(Status.CLOSED) == {Status.CLOSED}


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=40))
def test_any_walk_from_assigned_never_gets_stuck(choices: list[int]) -> None:
    """Whatever steps are taken, an open task always has a next step and 销号 stays reachable."""
    status = Status.ASSIGNED
    for choice in choices:
        steps = workflow.steps_from(status)
        if status == Status.CLOSED:
            assert steps == []
            break
        assert steps, f"dead end at {status}"
        assert Status.CLOSED in workflow.reachable(status)
        status = TRANSITIONS[(status, steps[choice % len(steps)])]


def test_every_step_has_an_actor_and_every_state_is_reached() -> None:
    for _state, step in TRANSITIONS:
        assert step in ACTORS
    assert {target for target in TRANSITIONS.values()} | {Status.ASSIGNED} == set(Status)


def test_only_the_supervisor_closes_and_returns() -> None:
    assert ACTORS[Step.CLOSE] == workflow.Actor.SUPERVISOR
    assert ACTORS[Step.RETURN] == workflow.Actor.SUPERVISOR
