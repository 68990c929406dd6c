"""The workflow table has no dead ends: every open state leads to 销号, and 销号 and
撤销 (withdrawn) are final."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from heli.tracking import workflow
from heli.tracking.workflow import ACTORS, TRANSITIONS, Status, Step

OPEN = [s for s in Status if s not in workflow.FINAL]


@given(st.sampled_from(OPEN))
def test_every_open_state_can_reach_closed(status: Status) -> None:
    assert Status.CLOSED in workflow.reachable(status)


def test_closed_and_withdrawn_have_no_way_out() -> None:
    for final in (Status.CLOSED, Status.WITHDRAWN):
        assert workflow.steps_from(final) == []
        assert workflow.reachable(final) == {final}


def test_every_open_state_can_be_withdrawn_by_the_assigner() -> None:
    for status in OPEN:
        assert workflow.next_status(status, Step.WITHDRAW) == Status.WITHDRAWN
    assert ACTORS[Step.WITHDRAW] == workflow.Actor.ASSIGNER


def test_no_start_once_work_has_started() -> None:
    """Work is started only from a state where it has not (re)started yet."""
    assert {s for (s, step) in TRANSITIONS if step == Step.START} == {
        Status.RECEIVED,
        Status.RETURNED,
    }


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=40))
def test_any_walk_from_assigned_never_gets_stuck(choices: list[int]) -> None:
    """Whatever steps are taken, an open task always has a next step and 销号 stays reachable."""
    status = Status.ASSIGNED
    for choice in choices:
        steps = workflow.steps_from(status)
        if status in workflow.FINAL:
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
