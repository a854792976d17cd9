"""The 1:1 meeting scheduler of a 供需对接会 on a generated (or given) instance. No database.

    .venv/bin/python benchmarks/scheduler.py [--seed 42] [--tables 20] [--limit 8]
    .venv/bin/python benchmarks/scheduler.py --instance FILE.json [--output FILE.json]
    .venv/bin/python benchmarks/scheduler.py --write-instance FILE.json   # the generated one

Generated: 100 demand + 100 supply participants, 3 sessions of 24 slots with a break at
slot 12, 20 tables, limit 8, ~40 accepted requests (a few more unaccepted, some of them
mutual) and scores for a few thousand pairs (participants share fields; a pair in a shared
field scores higher). The schedule comes from marketplace.events.scheduler.schedule, the
function the web feature calls. It is then checked by ``conflicts`` below, written
independently of the scheduler, and compared with an upper bound: the best b-matching of
the scored pairs with each participant's limit and nothing else (no slots, no tables).
A first-fit greedy (best pair first, earliest slot and table both are free) is shown for
comparison. The last line of stdout is one JSON object:
{"seconds", "meetings", "conflicts", "requests_placed", "requests_total", "total_score"}.
"""
import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from marketplace.events.bmatching import max_weight_b_matching  # noqa: E402
from marketplace.events.scheduler import (  # noqa: E402
    SCORE_UNIT, Instance, must_have_pairs, schedule)

FIELDS = 12


def generate(seed: int, tables: int, limit: int) -> dict:
    """A seeded instance in the JSON form the scheduler reads."""
    rnd = random.Random(seed)
    demand = [f"d{i:03}" for i in range(100)]
    supply = [f"s{i:03}" for i in range(100)]
    fields = {p: {rnd.randrange(FIELDS) for _ in range(rnd.choice((1, 2, 2, 3)))}
              for p in demand + supply}
    scores = []
    for d in demand:
        for s in supply:
            shared = len(fields[d] & fields[s])
            if rnd.random() < (0.6 if shared else 0.12):
                score = min(0.99, 0.25 * shared + 0.45 * rnd.random() + 0.05)
                scores.append({"demand": d, "supply": s, "score": round(score, 3)})
    requests, asked = [], set()
    while len(requests) < 55:
        d, s = rnd.choice(demand), rnd.choice(supply)
        if (d, s) in asked:
            continue
        asked.add((d, s))
        sender, recipient = (d, s) if rnd.random() < 0.5 else (s, d)
        accepted = len(requests) < 40
        requests.append({"from": sender, "to": recipient, "accepted": accepted})
        if not accepted and len(requests) % 3 == 0:  # the other side asked too: mutual
            requests.append({"from": recipient, "to": sender, "accepted": False})
    return {"sessions": [{"slots": 24, "breaks": [12]} for _ in range(3)],
            "tables": tables, "limit": limit,
            "participants": [{"id": p, "side": "demand"} for p in demand]
            + [{"id": p, "side": "supply"} for p in supply],
            "requests": requests, "scores": scores}


def conflicts(instance: dict, meetings: list[dict]) -> int:
    """Broken rules in a schedule, counted from the JSON alone: a meeting in a break or
    outside the sessions, a table out of range, a participant or table twice in a slot, a
    participant over the limit, a pair meeting twice, a meeting of two of one side."""
    side = {p["id"]: p["side"] for p in instance["participants"]}
    sessions = instance["sessions"]
    count, seen, pairs, found = {}, set(), set(), 0
    for m in meetings:
        session, slot, table = m["session"], m["slot"], m["table"]
        if not (0 <= session < len(sessions) and 0 <= slot < sessions[session]["slots"]
                and slot not in sessions[session].get("breaks", [])):
            found += 1
        if not 0 <= table < instance["tables"]:
            found += 1
        if side.get(m["demand"]) != "demand" or side.get(m["supply"]) != "supply":
            found += 1
        for key in ((session, slot, "p", m["demand"]), (session, slot, "p", m["supply"]),
                    (session, slot, "t", table)):
            found += key in seen
            seen.add(key)
        for person in (m["demand"], m["supply"]):
            count[person] = count.get(person, 0) + 1
            found += count[person] == instance["limit"] + 1
        found += (m["demand"], m["supply"]) in pairs
        pairs.add((m["demand"], m["supply"]))
    return found


def score_of(instance: dict, meetings: list[dict]) -> float:
    weight = {(s["demand"], s["supply"]): s["score"] for s in instance["scores"]}
    return sum(weight[(m["demand"], m["supply"])] for m in meetings if m["kind"] == "suggested")


def bound(instance: Instance, room: bool = False) -> float:
    """Best suggested score with only each participant's limit (minus its must-haves):
    no slot or table constraint, so no schedule can do better. With ``room`` also at most
    usable slots x tables meetings in all (still an upper bound; the scheduler claims to
    reach it, by König's theorem - the tests check that claim by brute force)."""
    must = must_have_pairs(instance)
    demand = sorted(p.id for p in instance.participants if p.side == "demand")
    supply = sorted(p.id for p in instance.participants if p.side == "supply")
    index_d = {p: i for i, p in enumerate(demand)}
    index_s = {p: j for j, p in enumerate(supply)}
    used = {}
    for d, s in must:
        used[d], used[s] = used.get(d, 0) + 1, used.get(s, 0) + 1
    requested = {tuple(sorted((r.sender, r.recipient))) for r in instance.requests}
    weights = {(index_d[s.demand], index_s[s.supply]): round(s.score * SCORE_UNIT)
               for s in instance.scores if tuple(sorted((s.demand, s.supply))) not in requested}
    total = len(instance.usable_slots()) * instance.tables - len(must) if room else len(weights)
    chosen = max_weight_b_matching(weights, [instance.limit - used.get(d, 0) for d in demand],
                                   [instance.limit - used.get(s, 0) for s in supply], total)
    return sum(weights[pair] for pair in chosen) / SCORE_UNIT


def first_fit(instance: Instance) -> float:
    """The baseline: must-haves, then pairs by score, each in the first slot where both
    are free and a table is left (the suggested score it reaches)."""
    slots = instance.usable_slots()
    busy = {slot: set() for slot in slots}
    count: dict[str, int] = {}
    requested = {tuple(sorted((r.sender, r.recipient))) for r in instance.requests}
    pairs = [(1.0e9, d, s) for d, s in must_have_pairs(instance)]
    pairs += sorted(((sc.score, sc.demand, sc.supply) for sc in instance.scores
                     if sc.score > 0 and tuple(sorted((sc.demand, sc.supply))) not in requested),
                    key=lambda item: (-item[0], item[1], item[2]))
    total = 0.0
    for score, d, s in pairs:
        if count.get(d, 0) >= instance.limit or count.get(s, 0) >= instance.limit:
            continue
        for slot in slots:
            free = d not in busy[slot] and s not in busy[slot]
            if free and len(busy[slot]) < 2 * instance.tables:
                busy[slot] |= {d, s}
                count[d], count[s] = count.get(d, 0) + 1, count.get(s, 0) + 1
                total += score if score < 1.0e9 else 0.0
                break
    return total


def ratio(value: float, upper: float) -> float:
    return value / upper if upper else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tables", type=int, default=20)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--instance", type=Path, help="schedule this JSON instance instead")
    parser.add_argument("--output", type=Path, help="write the schedule here (JSON)")
    parser.add_argument("--write-instance", type=Path, help="write the instance here (JSON)")
    args = parser.parse_args()
    data = (json.loads(args.instance.read_text()) if args.instance
            else generate(args.seed, args.tables, args.limit))
    if args.write_instance:
        args.write_instance.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    instance = Instance.from_json(data)
    started = time.perf_counter()
    result = schedule(instance)
    seconds = time.perf_counter() - started
    output = result.to_json()
    if args.output:
        args.output.write_text(json.dumps(output, ensure_ascii=False, indent=1))
    must = must_have_pairs(instance)
    total = score_of(data, output["meetings"])
    upper, upper_room = bound(instance), bound(instance, room=True)
    print(f"participants {len(instance.participants)}, scored pairs {len(instance.scores)}, "
          f"usable slots {len(instance.usable_slots())}, tables {instance.tables}, "
          f"limit {instance.limit}")
    greedy = first_fit(instance)
    print(f"upper bounds: limits only {upper:.3f}, limits and room {upper_room:.3f}")
    print(f"scheduler {total:.3f} = {ratio(total, upper):.2%} / "
          f"{ratio(total, upper_room):.2%} of them; first-fit greedy {greedy:.3f} = "
          f"{ratio(greedy, upper):.2%} / {ratio(greedy, upper_room):.2%}")
    print(json.dumps({"seconds": round(seconds, 3), "meetings": len(output["meetings"]),
                      "conflicts": conflicts(data, output["meetings"]),
                      "requests_placed": len(must) - len(output["unplaced"]),
                      "requests_total": len(must), "total_score": round(total, 3)}))


if __name__ == "__main__":
    main()
