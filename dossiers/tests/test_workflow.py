"""The transition table, without a database."""

import pytest

from dossiers.workflow import (
    FINISHED_STATES,
    NATIONAL_STATUS,
    NATIONAL_STATUS_LABELS,
    TRANSITIONS,
    Action,
    Role,
    State,
    allowed_actions,
    can,
    mermaid,
    national_status,
)


def test_every_state_maps_to_a_national_code_and_every_code_is_used():
    assert set(NATIONAL_STATUS) == set(State)
    assert set(NATIONAL_STATUS.values()) == set(range(1, 11))
    assert set(NATIONAL_STATUS_LABELS) == set(range(1, 11))


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (State.FILED, 1),
        (State.RECEIVED, 2),
        (State.REFUSED, 3),
        (State.PROCESSING, 4),
        (State.SUPPLEMENT_REQUESTED, 5),
        (State.PAYMENT_REQUESTED, 6),
        (State.WITHDRAWAL_REQUESTED, 7),
        (State.STOPPED, 8),
        (State.RESULT_READY, 9),
        (State.RETURNED, 10),
    ],
)
def test_national_codes(state, code):
    assert national_status(state) == code


def test_every_action_is_in_the_table_and_nobody_acts_from_a_finished_state_except_return_and_rate():
    assert set(TRANSITIONS) == set(Action)
    for transition in TRANSITIONS.values():
        for source in transition.sources:
            if source in FINISHED_STATES:
                assert transition.action in (Action.RETURN, Action.RATE), transition


def test_province_and_admin_never_act():
    for action in Action:
        for state in [None, *State]:
            assert not can(action, state, {Role.PROVINCE, Role.ADMIN})


@pytest.mark.parametrize(
    ("state", "roles", "expected"),
    [
        (State.FILED, {Role.RECEPTION}, {Action.RECEIVE, Action.REFUSE}),
        (State.FILED, {Role.APPLICANT}, {Action.WITHDRAW}),
        (State.RECEIVED, {Role.RECEPTION}, {Action.TRANSFER}),
        (State.TRANSFERRED, {Role.LEADER}, {Action.ASSIGN, Action.EXTEND}),
        (
            State.PROCESSING,
            {Role.LEADER},
            {
                Action.ASSIGN,
                Action.REQUEST_SUPPLEMENT,
                Action.REQUEST_PAYMENT,
                Action.STOP,
                Action.DECIDE,
                Action.EXTEND,
            },
        ),
        (State.SUPPLEMENT_REQUESTED, {Role.APPLICANT}, {Action.SUPPLEMENT, Action.WITHDRAW}),
        (State.RESULT_READY, {Role.RECEPTION}, set()),
        (State.RESULT_READY, {Role.RETURN_DESK}, {Action.RETURN}),
        (State.FILED, {Role.RETURN_DESK}, set()),
        (State.RETURNED, {Role.APPLICANT}, {Action.RATE}),
        (State.RETURNED, {Role.RECEPTION}, set()),
    ],
)
def test_allowed_actions(state, roles, expected):
    assert set(allowed_actions(state, roles)) == expected


def test_reasons_are_required_where_the_law_asks_for_them():
    required = {a for a, t in TRANSITIONS.items() if t.requires_reason}
    assert required == {
        Action.REFUSE,
        Action.REQUEST_SUPPLEMENT,
        Action.WITHDRAW,
        Action.STOP,
        Action.EXTEND,
    }


def test_diagram_lists_every_action():
    diagram = mermaid()
    for action in Action:
        assert f": {action.value} (" in diagram
