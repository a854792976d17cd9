"""The 1:1 meeting scheduler of a 供需对接会 (pure Python, standard library only).

Rules of a schedule:

* a meeting pairs one demand and one supply participant, in one usable (session, slot) —
  a slot listed in its session's ``breaks`` has no meetings — at one table 0..tables-1;
* a participant has at most one meeting per (session, slot) and at most ``limit`` meetings
  in the whole event; a table hosts at most one meeting per (session, slot);
* a pair meets at most once;
* must-have meetings are the accepted requests and the mutual ones (both sides asked);
  an unaccepted one-way request is no meeting, and a requested pair is never suggested
  (the other side has not said yes);
* the remaining room goes to suggested meetings between scored pairs (score > 0).

How (see ``schedule``): the must-haves are kept while they fit; the suggested pairs are a
maximum-weight b-matching (``bmatching``) on what room is left; all chosen pairs go into
slots as a bipartite edge colouring with at most ``tables`` meetings per slot
(``colouring``). A selection where nobody has more than min(limit, usable slots) meetings
and there are at most usable slots x tables of them can always be placed (König's theorem
and equitable edge colouring), so the suggested meetings reach the best total score any
valid schedule with the same must-haves could reach (scores counted in millionths).

Deterministic: every input is sorted by id first; no randomness and no dependence on
dict or set order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .bmatching import max_weight_b_matching
from .colouring import colour_edges

SIDES = ("demand", "supply")
SCORE_UNIT = 1_000_000  # scores are compared in millionths: exact integer sums


@dataclass(frozen=True)
class Session:
    slots: int
    breaks: tuple[int, ...] = ()


@dataclass(frozen=True)
class Participant:
    id: str
    side: str  # "demand" | "supply"


@dataclass(frozen=True)
class Request:
    sender: str  # JSON "from"
    recipient: str  # JSON "to"
    accepted: bool = False


@dataclass(frozen=True)
class Score:
    demand: str
    supply: str
    score: float


@dataclass(frozen=True)
class Meeting:
    demand: str
    supply: str
    session: int
    slot: int
    table: int
    kind: str  # "request" | "suggested"


@dataclass
class Instance:
    sessions: list[Session]
    tables: int
    limit: int
    participants: list[Participant]
    requests: list[Request] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict) -> "Instance":
        """Read the JSON form (see benchmarks/scheduler.py); ValueError when malformed."""
        try:
            instance = cls(
                sessions=[Session(int(s["slots"]), tuple(int(b) for b in s.get("breaks", ())))
                          for s in data["sessions"]],
                tables=int(data["tables"]), limit=int(data["limit"]),
                participants=[Participant(str(p["id"]), str(p["side"]))
                              for p in data["participants"]],
                requests=[Request(str(r["from"]), str(r["to"]), bool(r.get("accepted", False)))
                          for r in data.get("requests", ())],
                scores=[Score(str(s["demand"]), str(s["supply"]), float(s["score"]))
                        for s in data.get("scores", ())])
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed instance: {error!r}") from error
        instance.validate()
        return instance

    def to_json(self) -> dict:
        return {
            "sessions": [{"slots": s.slots, "breaks": list(s.breaks)} for s in self.sessions],
            "tables": self.tables, "limit": self.limit,
            "participants": [{"id": p.id, "side": p.side} for p in self.participants],
            "requests": [{"from": r.sender, "to": r.recipient, "accepted": r.accepted}
                         for r in self.requests],
            "scores": [{"demand": s.demand, "supply": s.supply, "score": s.score}
                       for s in self.scores],
        }

    def validate(self) -> None:
        """ValueError naming the first problem: negative sizes, a break outside its
        session, a participant twice or of an unknown side, a request or score naming an
        unknown participant or two of the same side, a pair scored twice, a score that is
        not a finite number."""
        if self.tables < 0 or self.limit < 0:
            raise ValueError(f"tables ({self.tables}) and limit ({self.limit}) must be >= 0")
        for number, session in enumerate(self.sessions):
            if session.slots < 0:
                raise ValueError(f"session {number} has a negative number of slots")
            if any(not 0 <= b < session.slots for b in session.breaks):
                raise ValueError(f"session {number} has a break outside slots "
                                 f"0..{session.slots - 1}")
        sides: dict[str, str] = {}
        for participant in self.participants:
            if participant.side not in SIDES:
                raise ValueError(f"participant {participant.id!r}: side must be demand or supply")
            if participant.id in sides:
                raise ValueError(f"participant {participant.id!r} appears twice")
            sides[participant.id] = participant.side
        for request in self.requests:
            _pair(sides, request.sender, request.recipient, "request")
        scored = set()
        for score in self.scores:
            if sides.get(score.demand) != "demand" or sides.get(score.supply) != "supply":
                raise ValueError(f"score {score.demand!r}-{score.supply!r}: needs a known demand "
                                 "and a known supply participant")
            if not math.isfinite(score.score):
                raise ValueError(f"score {score.demand!r}-{score.supply!r} is not a finite number")
            if (score.demand, score.supply) in scored:
                raise ValueError(f"pair {score.demand!r}-{score.supply!r} is scored twice")
            scored.add((score.demand, score.supply))

    def usable_slots(self) -> list[tuple[int, int]]:
        """Every (session, slot) that is not a break, in order."""
        return [(number, slot) for number, session in enumerate(self.sessions)
                for slot in range(session.slots) if slot not in session.breaks]


@dataclass
class Schedule:
    meetings: list[Meeting]
    # must-have (demand, supply) pairs that did not fit
    unplaced: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"meetings": [{"demand": m.demand, "supply": m.supply, "session": m.session,
                              "slot": m.slot, "table": m.table, "kind": m.kind}
                             for m in self.meetings],
                "unplaced": [{"demand": d, "supply": s} for d, s in self.unplaced]}

    @classmethod
    def from_json(cls, data: dict) -> "Schedule":
        return cls([Meeting(str(m["demand"]), str(m["supply"]), int(m["session"]), int(m["slot"]),
                            int(m["table"]), str(m["kind"])) for m in data["meetings"]],
                   [(str(u["demand"]), str(u["supply"])) for u in data.get("unplaced", ())])


def _pair(sides: dict[str, str], first: str, second: str, what: str) -> tuple[str, str]:
    """(demand, supply) of two participants of different sides, else ValueError."""
    for name in (first, second):
        if name not in sides:
            raise ValueError(f"{what} {first!r}-{second!r}: unknown participant {name!r}")
    if sides[first] == sides[second]:
        raise ValueError(f"{what} {first!r}-{second!r}: both are {sides[first]} participants")
    return (first, second) if sides[first] == "demand" else (second, first)


def must_have_pairs(instance: Instance) -> list[tuple[str, str]]:
    """(demand, supply) pairs that must meet: an accepted request, or requests both ways."""
    sides = {p.id: p.side for p in instance.participants}
    directions: dict[tuple[str, str], set[str]] = {}
    accepted = set()
    for request in instance.requests:
        pair = _pair(sides, request.sender, request.recipient, "request")
        directions.setdefault(pair, set()).add(request.sender)
        if request.accepted:
            accepted.add(pair)
    return sorted(pair for pair, senders in directions.items()
                  if pair in accepted or len(senders) == 2)


def schedule(instance: Instance) -> Schedule:
    """A valid schedule: must-haves first, then the best-scoring suggested meetings.

    1. must-haves are kept in priority order (mutual, then by score, then by ids) while
       nobody exceeds min(limit, usable slots) and the total stays <= usable x tables;
       the rest are reported in ``unplaced``;
    2. suggested pairs: a maximum-weight b-matching of the scored, unrequested pairs with
       what degree and total room is left (exact, min-cost flow);
    3. every chosen pair gets a slot by bipartite edge colouring, at most ``tables`` per
       slot, and then a table (requests first, then by ids) within its slot."""
    instance.validate()
    demand = sorted(p.id for p in instance.participants if p.side == "demand")
    supply = sorted(p.id for p in instance.participants if p.side == "supply")
    usable = instance.usable_slots()
    per_person = min(instance.limit, len(usable))
    room = len(usable) * instance.tables
    weight = {(s.demand, s.supply): round(s.score * SCORE_UNIT) for s in instance.scores}

    sides = {p.id: p.side for p in instance.participants}
    requested = {_pair(sides, r.sender, r.recipient, "request") for r in instance.requests}
    placed, unplaced = _keep_must_haves(instance, sides, weight, per_person, room)
    used = _degrees(placed)
    index_d = {name: i for i, name in enumerate(demand)}
    index_s = {name: j for j, name in enumerate(supply)}
    candidates = {(index_d[d], index_s[s]): w for (d, s), w in weight.items()
                  if w > 0 and (d, s) not in requested}
    chosen = max_weight_b_matching(
        candidates,
        [per_person - used.get(d, 0) for d in demand],
        [per_person - used.get(s, 0) for s in supply],
        room - len(placed))
    suggested = [(demand[i], supply[j]) for i, j in chosen]
    return Schedule(_place(placed, suggested, usable, instance.tables, index_d, index_s), unplaced)


def _keep_must_haves(instance: Instance, sides: dict, weight: dict, per_person: int, room: int):
    """Must-haves that fit (see ``schedule``, step 1), and those that do not."""
    senders: dict[tuple[str, str], int] = {}  # bit 1: the demand side asked, bit 2: the supply side
    for request in instance.requests:
        pair = _pair(sides, request.sender, request.recipient, "request")
        senders[pair] = senders.get(pair, 0) | (1 if request.sender == pair[0] else 2)
    order = sorted(must_have_pairs(instance),
                   key=lambda pair: (senders[pair] != 3, -weight.get(pair, 0), pair))
    kept, dropped, degree = [], [], {}
    for d, s in order:
        if len(kept) < room and degree.get(d, 0) < per_person and degree.get(s, 0) < per_person:
            kept.append((d, s))
            degree[d] = degree.get(d, 0) + 1
            degree[s] = degree.get(s, 0) + 1
        else:
            dropped.append((d, s))
    return sorted(kept), sorted(dropped)


def _degrees(pairs: list[tuple[str, str]]) -> dict[str, int]:
    degree: dict[str, int] = {}
    for d, s in pairs:
        degree[d] = degree.get(d, 0) + 1
        degree[s] = degree.get(s, 0) + 1
    return degree


def _place(requests, suggested, usable, tables, index_d, index_s) -> list[Meeting]:
    """Slots by edge colouring (requests coloured first), then tables within each slot."""
    pairs = [(pair, "request") for pair in requests] + [(pair, "suggested") for pair in suggested]
    colours = colour_edges([(index_d[d], index_s[s]) for (d, s), _ in pairs], len(usable), tables)
    by_slot: dict[int, list] = {}
    for (pair, kind), colour in zip(pairs, colours):
        by_slot.setdefault(colour, []).append((kind != "request", pair, kind))
    meetings = []
    for colour in sorted(by_slot):
        session, slot = usable[colour]
        for table, (_, (d, s), kind) in enumerate(sorted(by_slot[colour])):
            meetings.append(Meeting(d, s, session, slot, table, kind))
    return meetings
