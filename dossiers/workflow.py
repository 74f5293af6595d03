"""The dossier lifecycle as data (DOMAIN.md §3): states, actions, who may do them, national status codes.

No ORM here: this module can be tested without a database and printed as a diagram (``python -m
dossiers.workflow`` prints Mermaid). ``dossiers.services`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class State(StrEnum):
    FILED = "filed"  # filed online, waiting for reception
    RECEIVED = "received"  # code and appointment issued
    REFUSED = "refused"  # refused at reception (form 03)
    TRANSFERRED = "transferred"  # handed to the processing unit, waiting for the leader to assign
    PROCESSING = "processing"  # assigned to a handler: appraisal, signature
    SUPPLEMENT_REQUESTED = "supplement_requested"  # form 02; the clock stops
    PAYMENT_REQUESTED = "payment_requested"  # fees or taxes requested
    WITHDRAWAL_REQUESTED = "withdrawal_requested"  # the applicant asked to withdraw
    WITHDRAWN = "withdrawn"  # withdrawal confirmed by staff
    STOPPED = "stopped"  # processing stopped (form 05)
    RESULT_READY = "result_ready"  # decided (approved or denied); result ready for return
    RETURNED = "returned"  # result returned to the applicant


#: DOMAIN.md §3: every internal state maps to one national status code (1–10).
NATIONAL_STATUS: dict[State, int] = {
    State.FILED: 1,
    State.RECEIVED: 2,
    State.REFUSED: 3,
    State.TRANSFERRED: 4,
    State.PROCESSING: 4,
    State.SUPPLEMENT_REQUESTED: 5,
    State.PAYMENT_REQUESTED: 6,
    State.WITHDRAWAL_REQUESTED: 7,
    State.WITHDRAWN: 7,
    State.STOPPED: 8,
    State.RESULT_READY: 9,
    State.RETURNED: 10,
}

NATIONAL_STATUS_LABELS: dict[int, str] = {
    1: _("Mới đăng ký"),
    2: _("Được tiếp nhận"),
    3: _("Không được tiếp nhận"),
    4: _("Đang xử lý"),
    5: _("Yêu cầu bổ sung giấy tờ"),
    6: _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    7: _("Công dân yêu cầu rút hồ sơ"),
    8: _("Dừng xử lý"),
    9: _("Đã xử lý xong"),
    10: _("Đã trả kết quả"),
}

STATE_LABELS: dict[State, str] = {
    State.FILED: _("Mới đăng ký, chờ tiếp nhận"),
    State.RECEIVED: _("Đã tiếp nhận"),
    State.REFUSED: _("Không được tiếp nhận"),
    State.TRANSFERRED: _("Đã chuyển đơn vị xử lý, chờ phân công"),
    State.PROCESSING: _("Đang xử lý"),
    State.SUPPLEMENT_REQUESTED: _("Chờ bổ sung giấy tờ"),
    State.PAYMENT_REQUESTED: _("Chờ thực hiện nghĩa vụ tài chính"),
    State.WITHDRAWAL_REQUESTED: _("Chờ xác nhận rút hồ sơ"),
    State.WITHDRAWN: _("Đã rút hồ sơ"),
    State.STOPPED: _("Dừng xử lý"),
    State.RESULT_READY: _("Có kết quả, chờ trả"),
    State.RETURNED: _("Đã trả kết quả"),
}

#: States in which the dossier is finished for the indicators (DOMAIN.md §4).
FINISHED_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.RESULT_READY, State.RETURNED})
#: States in which the legal clock runs (received and not finished, not paused).
CLOCK_RUNNING_STATES = frozenset(
    {State.RECEIVED, State.TRANSFERRED, State.PROCESSING, State.PAYMENT_REQUESTED, State.WITHDRAWAL_REQUESTED}
)


class Role(StrEnum):
    """Who acts. ``APPLICANT`` is the citizen who filed the dossier or is its applicant."""

    APPLICANT = "applicant"
    RECEPTION = "reception"  # reception officer of the centre where the dossier was filed or received
    RETURN_DESK = "return_desk"  # reception officer of the dossier's return centre (the return point)
    HANDLER = "handler"  # processing officer of the processing unit (the assigned handler, once assigned)
    LEADER = "leader"  # leader of the processing unit
    PROVINCE = "province"  # province office: reads everything, acts on nothing
    ADMIN = "admin"  # administrator: reads everything, configures; acts on nothing in a dossier


class Action(StrEnum):
    FILE = "file"
    RECEIVE_AT_COUNTER = "receive_at_counter"
    RECEIVE = "receive"
    REFUSE = "refuse"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    REQUEST_PAYMENT = "request_payment"
    CONFIRM_PAYMENT = "confirm_payment"
    WITHDRAW = "withdraw"
    CONFIRM_WITHDRAWAL = "confirm_withdrawal"
    STOP = "stop"
    DECIDE = "decide"
    RETURN = "return"
    EXTEND = "extend"
    RATE = "rate"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[State | None]  # None: the action creates the dossier
    target: State | None  # None: the state does not change (extend, rate)
    roles: frozenset[Role]
    requires_reason: bool = False
    label: str = ""


_ACTIVE = frozenset({State.RECEIVED, State.TRANSFERRED, State.PROCESSING, State.PAYMENT_REQUESTED})

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        Transition(Action.FILE, frozenset({None}), State.FILED, frozenset({Role.APPLICANT}), label=_("Nộp hồ sơ")),
        Transition(
            Action.RECEIVE_AT_COUNTER,
            frozenset({None}),
            State.RECEIVED,
            frozenset({Role.RECEPTION}),
            label=_("Tiếp nhận trực tiếp tại quầy"),
        ),
        Transition(
            Action.RECEIVE, frozenset({State.FILED}), State.RECEIVED, frozenset({Role.RECEPTION}), label=_("Tiếp nhận")
        ),
        Transition(
            Action.REFUSE,
            frozenset({State.FILED}),
            State.REFUSED,
            frozenset({Role.RECEPTION}),
            requires_reason=True,
            label=_("Từ chối tiếp nhận"),
        ),
        Transition(
            Action.TRANSFER,
            frozenset({State.RECEIVED}),
            State.TRANSFERRED,
            frozenset({Role.RECEPTION}),
            label=_("Chuyển đơn vị xử lý"),
        ),
        Transition(
            Action.ASSIGN,
            frozenset({State.TRANSFERRED, State.PROCESSING}),
            State.PROCESSING,
            frozenset({Role.LEADER}),
            label=_("Phân công xử lý"),
        ),
        Transition(
            Action.REQUEST_SUPPLEMENT,
            frozenset({State.PROCESSING}),
            State.SUPPLEMENT_REQUESTED,
            frozenset({Role.HANDLER, Role.LEADER}),
            requires_reason=True,
            label=_("Yêu cầu bổ sung hồ sơ"),
        ),
        Transition(
            Action.SUPPLEMENT,
            frozenset({State.SUPPLEMENT_REQUESTED}),
            State.PROCESSING,
            frozenset({Role.APPLICANT, Role.RECEPTION}),
            label=_("Bổ sung hồ sơ"),
        ),
        Transition(
            Action.REQUEST_PAYMENT,
            frozenset({State.PROCESSING}),
            State.PAYMENT_REQUESTED,
            frozenset({Role.HANDLER, Role.LEADER}),
            label=_("Yêu cầu thực hiện nghĩa vụ tài chính"),
        ),
        Transition(
            Action.CONFIRM_PAYMENT,
            frozenset({State.PAYMENT_REQUESTED}),
            State.PROCESSING,
            frozenset({Role.RECEPTION, Role.HANDLER, Role.LEADER}),
            label=_("Xác nhận đã nộp phí, lệ phí"),
        ),
        Transition(
            Action.WITHDRAW,
            frozenset({State.FILED, State.SUPPLEMENT_REQUESTED} | _ACTIVE),
            State.WITHDRAWAL_REQUESTED,
            frozenset({Role.APPLICANT}),
            requires_reason=True,
            label=_("Yêu cầu rút hồ sơ"),
        ),
        Transition(
            Action.CONFIRM_WITHDRAWAL,
            frozenset({State.WITHDRAWAL_REQUESTED}),
            State.WITHDRAWN,
            frozenset({Role.RECEPTION, Role.LEADER}),
            label=_("Xác nhận rút hồ sơ"),
        ),
        Transition(
            Action.STOP,
            frozenset({State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.PAYMENT_REQUESTED}),
            State.STOPPED,
            frozenset({Role.LEADER}),
            requires_reason=True,
            label=_("Dừng xử lý"),
        ),
        Transition(
            Action.DECIDE,
            frozenset({State.PROCESSING}),
            State.RESULT_READY,
            frozenset({Role.LEADER}),
            label=_("Ký duyệt kết quả"),
        ),
        Transition(
            Action.RETURN,
            frozenset({State.RESULT_READY}),
            State.RETURNED,
            frozenset({Role.RETURN_DESK}),
            label=_("Trả kết quả"),
        ),
        Transition(
            Action.EXTEND,
            frozenset({State.SUPPLEMENT_REQUESTED} | _ACTIVE),
            None,
            frozenset({Role.HANDLER, Role.LEADER}),
            requires_reason=True,
            label=_("Xin lỗi và hẹn lại ngày trả kết quả"),
        ),
        Transition(
            Action.RATE,
            frozenset({State.RETURNED}),
            None,
            frozenset({Role.APPLICANT}),
            label=_("Đánh giá mức độ hài lòng"),
        ),
    ]
}

#: The audit action of a transitional dossier's import (``legacy``): its trail starts there, not with a filing.
IMPORT_ACTION = "import"
#: The actions that begin a dossier's audit trail: the transitions from no state, and a transitional dossier's import.
CREATION_ACTIONS = frozenset({t.action.value for t in TRANSITIONS.values() if None in t.sources} | {IMPORT_ACTION})


def transition_for(action: Action | str) -> Transition:
    return TRANSITIONS[Action(action)]


def can(action: Action | str, state: State | str | None, roles: set[Role] | frozenset[Role]) -> bool:
    """Whether someone holding ``roles`` may do ``action`` on a dossier in ``state``."""
    transition = TRANSITIONS[Action(action)]
    current = State(state) if state is not None else None
    return current in transition.sources and bool(transition.roles & set(roles))


def allowed_actions(state: State | str, roles: set[Role] | frozenset[Role]) -> list[Action]:
    """The actions one may take now (one button per allowed action on the staff desk)."""
    return [action for action in TRANSITIONS if can(action, state, roles)]


def national_status(state: State | str) -> int:
    return NATIONAL_STATUS[State(state)]


def target_state(action: Action | str, state: State | str | None) -> State:
    transition = TRANSITIONS[Action(action)]
    if transition.target is None:
        assert state is not None
        return State(state)
    return transition.target


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for transition in TRANSITIONS.values():
        for source in sorted(transition.sources, key=lambda s: s or ""):
            start = source.value if source else "[*]"
            end = (transition.target or source).value if (transition.target or source) else "[*]"
            roles = ", ".join(sorted(r.value for r in transition.roles))
            lines.append(f"    {start} --> {end}: {transition.action.value} ({roles})")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(mermaid())
