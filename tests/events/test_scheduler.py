"""The meeting scheduler: validity, must-haves, determinism and quality (against an exact
search on tiny instances), JSON round-trips and refused instances."""
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.events.scheduler import (
    SCORE_UNIT, Instance, Participant, Request, Schedule, Score, Session, must_have_pairs,
    schedule)


@st.composite
def instances(draw, max_side=10, max_sessions=2, max_slots=8, max_tables=4, max_limit=4,
              min_side=1, max_requests=None, dense=False):
    """Random instances; ``dense`` scores most pairs (room for the b-matching to matter)."""
    sessions = []
    for _ in range(draw(st.integers(1, max_sessions))):
        slots = draw(st.integers(3 if max_slots >= 3 else 1, max_slots))
        breaks = draw(st.sets(st.integers(0, slots - 1), max_size=1))
        sessions.append(Session(slots, tuple(sorted(breaks))))
    demand = [f"d{i}" for i in range(draw(st.integers(min_side, max_side)))]
    supply = [f"s{i}" for i in range(draw(st.integers(min_side, max_side)))]
    pairs = list(itertools.product(demand, supply))
    requests = []
    most = len(pairs) if max_requests is None else max_requests
    asked = st.lists(st.sampled_from(pairs), max_size=most, unique=True)
    for d, s in draw(asked):
        direction = draw(st.sampled_from(["ds", "sd", "both"]))
        accepted = draw(st.booleans())
        if direction in ("ds", "both"):
            requests.append(Request(d, s, accepted))
        if direction in ("sd", "both"):
            requests.append(Request(s, d, accepted and direction == "sd"))
    if dense:
        scored = [pair for pair in pairs if draw(st.integers(0, 4))]
    else:
        scored = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True))
    scores = [Score(d, s, draw(st.integers(-100, 1000)) / 1000) for d, s in scored]
    return Instance(sessions, draw(st.integers(1, max_tables)), draw(st.integers(1, max_limit)),
                    people(demand, supply), requests, scores)


def people(demand, supply):
    return [Participant(p, "demand") for p in demand] + [Participant(p, "supply") for p in supply]


def problems(instance, result):
    """Every rule a schedule breaks (an independent check, not the scheduler's code)."""
    found = []
    sides = {p.id: p.side for p in instance.participants}
    usable = set(instance.usable_slots())
    busy, count, pairs = set(), {}, set()
    for m in result.meetings:
        if sides.get(m.demand) != "demand" or sides.get(m.supply) != "supply":
            found.append(("sides", m))
        if (m.session, m.slot) not in usable:
            found.append(("slot", m))
        if not 0 <= m.table < instance.tables:
            found.append(("table range", m))
        slot = (m.session, m.slot)
        for key, kind in (((slot, m.demand), "busy"), ((slot, m.supply), "busy"),
                          ((slot, "table", m.table), "table")):
            if key in busy:
                found.append((kind, m))
            busy.add(key)
        for person in (m.demand, m.supply):
            count[person] = count.get(person, 0) + 1
            if count[person] > instance.limit:
                found.append(("limit", m))
        if (m.demand, m.supply) in pairs:
            found.append(("pair twice", m))
        pairs.add((m.demand, m.supply))
    return found


def requests_fit(instance):
    """Whether the must-haves alone fit the limit, the usable slots and the tables."""
    must = must_have_pairs(instance)
    per_person = min(instance.limit, len(instance.usable_slots()))
    degree = {}
    for d, s in must:
        for person in (d, s):
            degree[person] = degree.get(person, 0) + 1
    return (all(n <= per_person for n in degree.values())
            and len(must) <= len(instance.usable_slots()) * instance.tables)


def suggested_score(instance, result):
    weight = {(s.demand, s.supply): round(s.score * SCORE_UNIT) for s in instance.scores}
    return sum(weight[(m.demand, m.supply)] for m in result.meetings if m.kind == "suggested")


@settings(max_examples=120)
@given(instances())
def test_schedule_is_valid_and_places_every_must_have_that_fits(instance):
    result = schedule(instance)
    assert problems(instance, result) == []
    must = set(must_have_pairs(instance))
    placed = {(m.demand, m.supply) for m in result.meetings if m.kind == "request"}
    assert placed | set(result.unplaced) == must and not placed & set(result.unplaced)
    if requests_fit(instance):
        assert result.unplaced == []
    requested = {tuple(sorted((r.sender, r.recipient))) for r in instance.requests}
    scores = {(s.demand, s.supply): s.score for s in instance.scores}
    for m in result.meetings:
        if m.kind == "suggested":  # a suggestion is a scored pair nobody has requested
            assert scores[(m.demand, m.supply)] > 0
            assert tuple(sorted((m.demand, m.supply))) not in requested


@settings(max_examples=60)
@given(instances(), st.randoms(use_true_random=False))
def test_schedule_is_deterministic_and_ignores_input_order(instance, rnd):
    first = schedule(instance).to_json()
    assert schedule(instance).to_json() == first
    shuffled = Instance(instance.sessions, instance.tables, instance.limit,
                        rnd.sample(instance.participants, len(instance.participants)),
                        rnd.sample(instance.requests, len(instance.requests)),
                        rnd.sample(instance.scores, len(instance.scores)))
    assert schedule(shuffled).to_json() == first


def exact_best(instance):
    """The best suggested score of any valid schedule that keeps every must-have, by brute
    force: subsets of candidate pairs, best first, each tried by a backtracking search for
    slots and tables. Independent of the scheduler's b-matching and colouring."""
    must = must_have_pairs(instance)
    requested = {tuple(sorted((r.sender, r.recipient))) for r in instance.requests}
    candidates = [(round(s.score * SCORE_UNIT), (s.demand, s.supply)) for s in instance.scores
                  if round(s.score * SCORE_UNIT) > 0
                  and tuple(sorted((s.demand, s.supply))) not in requested]
    subsets = []
    for size in range(len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            subsets.append((sum(w for w, _ in subset), [pair for _, pair in subset]))
    subsets.sort(key=lambda item: -item[0])
    for total, pairs in subsets:
        if placeable(instance, must + pairs):
            return total
    raise AssertionError("not even the must-haves fit")


def placeable(instance, pairs):
    degree = {}
    for d, s in pairs:
        for person in (d, s):
            degree[person] = degree.get(person, 0) + 1
    if any(n > instance.limit for n in degree.values()):
        return False
    slots = len(instance.usable_slots())
    busy = [set() for _ in range(slots)]

    def place(k, opened):
        if k == len(pairs):
            return True
        d, s = pairs[k]
        for slot in range(min(opened + 1, slots)):  # unopened slots are interchangeable
            free = d not in busy[slot] and s not in busy[slot]
            if free and len(busy[slot]) < 2 * instance.tables:
                busy[slot] |= {d, s}
                if place(k + 1, max(opened, slot + 1)):
                    return True
                busy[slot] -= {d, s}
        return False

    return place(0, 0)


@settings(max_examples=250)
@given(instances(max_side=3, max_sessions=1, max_slots=4, max_tables=2, max_limit=3,
                 min_side=2, max_requests=2, dense=True))
def test_suggested_meetings_reach_the_exact_optimum_on_tiny_instances(instance):
    if not requests_fit(instance):
        return
    result = schedule(instance)
    assert suggested_score(instance, result) == exact_best(instance)


def test_the_best_single_pair_is_not_always_in_the_best_schedule():
    """limit 1: greedy by score takes d1-s1 (0.9) and stops; d1-s2 + d2-s1 make 1.6."""
    instance = Instance([Session(3)], 2, 1,
                        [Participant("d1", "demand"), Participant("d2", "demand"),
                         Participant("s1", "supply"), Participant("s2", "supply")],
                        [], [Score("d1", "s1", 0.9), Score("d1", "s2", 0.8),
                             Score("d2", "s1", 0.8)])
    result = schedule(instance)
    assert problems(instance, result) == []
    assert suggested_score(instance, result) == exact_best(instance) == 1_600_000


def test_tight_slots_are_used_as_an_edge_colouring():
    """2 usable slots, 2 tables, everybody meets both of the other side: the four meetings
    must form a perfect colouring (d1-s1 and d2-s2 in one slot, the crossing pairs in the
    other); putting d1-s1 and d2-s2 in different slots would strand the crossing pairs."""
    instance = Instance([Session(3, (1,))], 2, 2,
                        [Participant("d1", "demand"), Participant("d2", "demand"),
                         Participant("s1", "supply"), Participant("s2", "supply")],
                        [Request("d1", "s1", True)],
                        [Score("d2", "s2", 0.9), Score("d1", "s2", 0.5), Score("d2", "s1", 0.4)])
    result = schedule(instance)
    assert problems(instance, result) == [] and len(result.meetings) == 4
    assert suggested_score(instance, result) == exact_best(instance) == 1_800_000


def test_requests_that_do_not_fit_are_reported_not_placed():
    instance = Instance([Session(2)], 5, 5,
                        people(["d1"], ["s0", "s1", "s2"]),
                        [Request(f"s{i}", "d1", True) for i in range(3)] + [Request("d1", "s2")],
                        [])
    result = schedule(instance)
    assert problems(instance, result) == []
    assert len(result.meetings) == 2 and len(result.unplaced) == 1


def test_an_unaccepted_one_way_request_is_no_meeting_but_a_mutual_one_is():
    people = [Participant("d1", "demand"), Participant("s1", "supply"), Participant("s2", "supply")]
    instance = Instance([Session(4)], 2, 4, people,
                        [Request("d1", "s1"), Request("d1", "s2"), Request("s2", "d1")],
                        [Score("d1", "s1", 0.9)])
    assert [(m.supply, m.kind) for m in schedule(instance).meetings] == [("s2", "request")]


@settings(max_examples=30)
@given(instances())
def test_json_round_trips(instance):
    data = instance.to_json()
    assert Instance.from_json(data) == instance
    result = schedule(instance)
    assert Schedule.from_json(result.to_json()) == result


BASE = {"sessions": [{"slots": 4, "breaks": [1]}], "tables": 2, "limit": 2,
        "participants": [{"id": "d1", "side": "demand"}, {"id": "d2", "side": "demand"},
                         {"id": "s1", "side": "supply"}],
        "requests": [], "scores": []}


@pytest.mark.parametrize("change, message", [
    ({"requests": [{"from": "s1", "to": "x9", "accepted": True}]}, "unknown participant 'x9'"),
    ({"scores": [{"demand": "d1", "supply": "x9", "score": 0.5}]}, "known supply"),
    ({"requests": [{"from": "d1", "to": "d2"}]}, "both are demand"),
    ({"scores": [{"demand": "s1", "supply": "d1", "score": 0.5}]}, "known demand"),
    ({"tables": -1}, "tables (-1)"),
    ({"limit": -2}, "limit (-2)"),
    ({"sessions": [{"slots": 3, "breaks": [3]}]}, "break outside"),
    ({"participants": [{"id": "d1", "side": "demand"}, {"id": "d1", "side": "supply"}]}, "twice"),
    ({"participants": [{"id": "d1", "side": "buyer"}]}, "side must be"),
    ({"scores": [{"demand": "d1", "supply": "s1", "score": 0.5}] * 2}, "scored twice"),
    ({"scores": [{"demand": "d1", "supply": "s1", "score": "nan"}]}, "finite"),
    ({"sessions": None}, "malformed"),
])
def test_bad_instances_are_refused(change, message):
    with pytest.raises(ValueError) as error:
        Instance.from_json({**BASE, **change})
    assert message in str(error.value)


def test_a_larger_random_instance_is_valid():
    rnd = random.Random(7)
    demand = [f"d{i:02}" for i in range(30)]
    supply = [f"s{i:02}" for i in range(30)]
    instance = Instance([Session(6, (3,)), Session(6)], 4, 4,
                        people(demand, supply),
                        [Request(rnd.choice(supply), d, True) for d in demand[:10]],
                        [Score(d, s, round(rnd.random(), 3))
                         for d in demand for s in supply if rnd.random() < 0.5])
    result = schedule(instance)
    assert problems(instance, result) == [] and result.unplaced == []
    assert len(result.meetings) == 11 * 4  # 44 meetings fill all 11 slots x 4 tables
