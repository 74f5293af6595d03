"""Paths through the transition table: the sequences of actions the demo plays, read from ``dossiers.workflow``.

A dossier's story is a *simple path* — from an action that creates the dossier to the state it is to stay in, meeting
no state twice — with *detours* inserted: cycles of the table that leave a state and come back to it (a supplement
request and the supplement, fees requested and paid, a self-loop such as the apology letter or the rating). Both are
found by walking :data:`dossiers.workflow.TRANSITIONS` as it is when the demo is planned, so a change of the table
changes the stories; a story the table no longer allows is a :class:`ValueError` naming what is missing.

Pure: no ORM, no clock; the same table and the same random generator give the same paths.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from dossiers.workflow import TRANSITIONS, Action, State, Transition

_STATE_ORDER = {state: index for index, state in enumerate(State)}


def _ordered(states) -> list[State]:
    """States in declaration order: a frozenset's order changes with each process's string hashing."""
    return sorted((state for state in states if state is not None), key=_STATE_ORDER.__getitem__)


@dataclass(frozen=True)
class Detour:
    """A cycle of the table: leaves ``state`` by ``actions[0]`` and is back in it after ``actions[-1]``."""

    state: State
    actions: tuple[Action, ...]


class Graph:
    """The transition table read as a graph of states (the table in force when it is built)."""

    def __init__(self, transitions: Mapping[Action, Transition] | None = None):
        self.transitions = dict(TRANSITIONS if transitions is None else transitions)
        self.creating = [t.action for t in self.transitions.values() if None in t.sources]
        self._paths: dict[tuple[Action, State], list[tuple[Action, ...]]] = {}
        self._detours: dict[Action, list[Detour]] = {}

    def leaving(self, state: State) -> list[Transition]:
        """The transitions one may take from ``state`` (the creating ones excepted), in the table's order."""
        return [t for t in self.transitions.values() if state in t.sources]

    def after(self, action: Action, state: State | None) -> State:
        """The state a dossier is in after ``action``; a :class:`ValueError` when the table does not allow it."""
        transition = self.transitions.get(action)
        if transition is None or state not in transition.sources:
            raise ValueError(f"the transition table does not allow {action} from {state}")
        return transition.target or state

    def simple_paths(self, creating: Action, target: State) -> list[tuple[Action, ...]]:
        """Every way from the ``creating`` action to ``target`` that meets no state twice, the table's order first."""
        key = (creating, target)
        if key not in self._paths:
            paths: list[tuple[Action, ...]] = []

            def visit(state: State, actions: tuple[Action, ...], seen: frozenset[State]) -> None:
                if state == target:
                    paths.append(actions)
                    return
                for transition in self.leaving(state):
                    following = transition.target
                    if following is not None and following not in seen:
                        visit(following, (*actions, transition.action), seen | {following})

            first = self.after(creating, None)
            visit(first, (creating,), frozenset({first}))
            self._paths[key] = paths
        return self._paths[key]

    def detours(self, action: Action) -> list[Detour]:
        """The cycles that start with ``action``: back to the state it left, meeting no other state twice."""
        if action not in self._detours:
            transition = self.transitions.get(action)
            found: list[Detour] = []
            for home in _ordered(transition.sources if transition else ()):
                if transition.target in (None, home):
                    found.append(Detour(home, (action,)))
                    continue

                def back(state: State, actions: tuple[Action, ...], seen: frozenset[State], home=home) -> None:
                    for following in self.leaving(state):
                        if following.target == home:
                            found.append(Detour(home, (*actions, following.action)))
                        elif following.target is not None and following.target not in seen:
                            back(following.target, (*actions, following.action), seen | {following.target})

                back(transition.target, (action,), frozenset({home, transition.target}))
            self._detours[action] = found
        return self._detours[action]

    def reaches(self, creating: Action, target: State) -> bool:
        return bool(self.simple_paths(creating, target))

    def walk(
        self, rng: random.Random, *, creating: Action, target: State, detours: Mapping[Action, int]
    ) -> list[Action]:
        """A story from ``creating`` to ``target``, each detour of ``detours`` taken that many times.

        The simple path is drawn by ``rng`` among those that pass through a state every wanted detour can leave from;
        a detour is taken at the last such state of the path (the apology letter just before the decision, the
        rating once returned), the detours in the order of ``detours``.
        """
        wanted = {action: count for action, count in detours.items() if count}
        candidates = []
        for path in self.simple_paths(creating, target):
            states = self.states_along(path)
            places: dict[Action, list[tuple[int, Detour]]] = {}
            for action in wanted:
                options = [(i, d) for i, state in enumerate(states) for d in self.detours(action) if d.state == state]
                if not options:
                    break
                last = max(i for i, _detour in options)
                places[action] = [option for option in options if option[0] == last]
            else:
                candidates.append((path, places))
        if not candidates:
            detail = ", ".join(f"{action} ×{count}" for action, count in wanted.items()) or "no detour"
            raise ValueError(f"the transition table has no story from {creating} to {target} with {detail}")
        path, places = rng.choice(candidates)
        chosen = {action: rng.choice(options) for action, options in places.items()}
        story: list[Action] = []
        for index, action in enumerate(path):
            story.append(action)
            for wanted_action, (at_index, detour) in chosen.items():
                if at_index == index:
                    story.extend(detour.actions * wanted[wanted_action])
        if self.states_along(story)[-1] != target:  # pragma: no cover - a detour always comes back
            raise AssertionError(f"{story} does not end in {target}")
        return story

    def states_along(self, actions: list[Action] | tuple[Action, ...]) -> list[State]:
        """The state after each action, checked against the table."""
        states: list[State] = []
        state: State | None = None
        for action in actions:
            state = self.after(action, state)
            states.append(state)
        return states
