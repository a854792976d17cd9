"""Check a labelled matching set: python3 tests/data/matching/validate.py [DIR] (from the repo
root or anywhere; DIR defaults to this set's own directory)."""
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent
CASES = {"synonym", "paraphrase", "distractor", "traditional", "cross_field", "no_match", "two_char", "mixed"}
MATURITIES = {"研发", "试点", "成熟"}
LIMITS = {"title": 40, "summary": 120, "description": 600}
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\s*\)")
errors = []


def err(msg):
    errors.append(msg)


def load_jsonl(name):
    rows = []
    with open(HERE / name, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                err(f"{name}:{n}: {exc}")
    return rows


taxonomy = json.loads((ROOT / "seed/reference/taxonomy.json").read_text(encoding="utf-8"))
fields = {c for g in taxonomy["fields"] for c in g["children"]}
tags = {t for group in taxonomy["tags"].values() for t in group}
regions = {r["code"] for r in csv.DictReader(open(ROOT / "seed/regions.csv", encoding="utf-8"))}

opps = load_jsonl("opportunities.jsonl")
prods = load_jsonl("products.jsonl")
common = ["ref", "title", "summary", "description", "field", "tags", "region"]
for kind, rows, extra in (("opportunity", opps, ["case"]),
                          ("product", prods, ["maturity", "scenarios", "cases"])):
    refs = Counter(r.get("ref") for r in rows)
    for ref, n in refs.items():
        if n > 1:
            err(f"duplicate {kind} ref {ref}")
    for r in rows:
        ref = r.get("ref")
        for k in common + extra:
            if not r.get(k) and k != "tags":
                err(f"{ref}: missing {k}")
        for k, lim in LIMITS.items():
            if len(r.get(k, "")) > lim:
                err(f"{ref}: {k} has {len(r[k])} chars > {lim}")
        if r.get("field") not in fields:
            err(f"{ref}: unknown field {r.get('field')!r}")
        for t in r.get("tags", []):
            if t not in tags:
                err(f"{ref}: unknown tag {t!r}")
        if not re.fullmatch(r"\d{6}", r.get("region", "")) or r["region"] not in regions:
            err(f"{ref}: bad region {r.get('region')!r}")
        if kind == "opportunity" and r.get("case") not in CASES:
            err(f"{ref}: bad case {r.get('case')!r}")
        if kind == "product" and r.get("maturity") not in MATURITIES:
            err(f"{ref}: bad maturity {r.get('maturity')!r}")

opp_refs = {r["ref"] for r in opps}
prod_refs = {r["ref"] for r in prods}
grades = {}
with open(HERE / "qrels.tsv", encoding="utf-8", newline="") as fh:
    reader = csv.DictReader(fh, delimiter="\t")
    if reader.fieldnames != ["opportunity", "product", "grade"]:
        err(f"qrels header {reader.fieldnames}")
    for row in reader:
        q, p, g = row["opportunity"], row["product"], row["grade"]
        if q not in opp_refs:
            err(f"qrels: unknown opportunity {q}")
        if p not in prod_refs:
            err(f"qrels: unknown product {p}")
        if g not in {"0", "1", "2", "3"}:
            err(f"qrels: bad grade {q} {p} {g}")
            continue
        if p in grades.setdefault(q, {}):
            err(f"qrels: duplicate pair {q} {p}")
        grades[q][p] = int(g)

case_of = {r["ref"]: r["case"] for r in opps}
for q, case in case_of.items():
    good = [p for p, g in grades.get(q, {}).items() if g >= 2]
    judged_low = [p for p, g in grades.get(q, {}).items() if g <= 1]
    if case == "no_match":
        if good:
            err(f"{q} (no_match) has products graded >=2: {good}")
        if not judged_low:
            err(f"{q} (no_match) has no explicitly judged near-misses")
    else:
        if not 2 <= len(good) <= 6:
            err(f"{q}: {len(good)} products graded >=2 (want 2-6)")
        if not judged_low:
            err(f"{q}: no distractors judged 0/1")

cases = Counter(case_of.values())
for case in CASES:
    if cases[case] < 3:
        err(f"case {case} used {cases[case]} times (<3)")
if cases["no_match"] < 4:
    err("fewer than 4 no_match opportunities")
trad = [r for r in opps if r["case"] == "traditional"]
if not any(PINYIN.search(r["title"] + r["summary"] + r["description"]) for r in trad):
    err("no traditional opportunity carries pasted pinyin glosses")
if len(opps) < 24:
    err(f"only {len(opps)} opportunities")
if len(prods) < 90:
    err(f"only {len(prods)} products")
answering = {p for gs in grades.values() for p, g in gs.items() if g >= 2}
distractors = prod_refs - answering
if len(distractors) < 25:
    err(f"only {len(distractors)} products never graded >=2")
groups = {c: g["name"] for g in taxonomy["fields"] for c in g["children"]}
for kind, rows in (("opportunity", opps), ("product", prods)):
    missing = {g["name"] for g in taxonomy["fields"]} - {groups[r["field"]] for r in rows if r["field"] in groups}
    if missing:
        err(f"{kind}s miss field groups {missing}")

pairs = Counter(g for gs in grades.values() for g in gs.values())
print(f"opportunities: {len(opps)}  by case: {dict(sorted(cases.items()))}")
print(f"products: {len(prods)}  (never graded >=2: {len(distractors)})  "
      f"maturity: {dict(Counter(r['maturity'] for r in prods))}")
print(f"judged pairs: {sum(pairs.values())}  by grade: {dict(sorted(pairs.items()))}")
if errors:
    print("\n".join(["ERRORS:"] + errors))
    sys.exit(1)
print("OK")
