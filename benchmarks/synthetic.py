"""Synthetic published listings for the search benchmark, repeatable from a seed.

The text is real listing language recombined: titles, summaries, sentences, scenarios and
cases come from the demo listings (``seed/demo``), the labelled matching set
(``tests/data/matching``) and — when the checkout sits next to ``../shared/seeds`` — a few
sentences of the policy documents the reference data was taken from (Traditional script
with pinyin glosses: the messy input the pipeline normalises). Fields, tags and regions are
the ones ``load_reference()`` loads. Lengths follow the targets of a real list: title ~15
characters, summary ~50, description ~300.

Titles are a head of one real title joined to the tail of another of the same field
group, summaries join clauses of two, descriptions draw sentences mostly from the same
field group (so that recommendations have real neighbours) with numbers re-drawn.
"""
import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import jieba

ROOT = Path(__file__).resolve().parents[1]
SEED_DOCUMENTS = ROOT.parent / "shared" / "seeds"

MATURITY_WEIGHTS = {"成熟": 5, "试点": 3, "研发": 2}
COOPERATION_MODES = ("采购服务", "联合研发", "揭榜挂帅", "试点应用", "合作共建", "其他")
DEPARTMENT_KINDS = ("发展和改革委员会", "科学技术局", "工业和信息化局", "公安局", "民政局",
                    "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局",
                    "交通运输局", "水利局", "农业农村局", "商务局", "文化广电新闻出版旅游局",
                    "卫生健康委员会", "应急管理局", "市场监督管理局", "城市管理局",
                    "政务服务数据管理局", "教育体育局", "医疗保障局", "行政审批局")
BRAND = "华智汇联创科云数博通信达瑞星恒安泰宏远鼎赣洪昌豫章滕王青绿源启明天翼腾飞盛和新光"
INDUSTRY = ("信息技术", "网络科技", "数字科技", "智能科技", "软件", "电子", "物联网技术",
            "数据服务", "虚拟现实技术", "系统集成", "通信技术", "人工智能科技")
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_CLAUSE = re.compile(r"[^，,]+[，,]?")
_DIGITS = re.compile(r"(?<![A-Za-z\d])\d+(?![A-Za-z\d])")  # not 5G, 8K, LOD3


@dataclass
class Source:
    kind: str
    field: str
    tags: list[str]
    title: str
    summary: str
    description: str
    scenarios: str = ""
    cases: str = ""
    timeline: str = ""


@dataclass
class Listing:
    kind: str
    title: str
    summary: str
    description: str
    field: str
    tags: list[str]
    region: str
    organization: int            # index into Corpus.departments / Corpus.enterprises
    published_at: datetime
    release: int                 # index into releases
    deadline: date | None = None
    budget_wan: float | None = None
    timeline: str = ""
    cooperation_mode: str = ""
    scenarios: str = ""
    maturity: str = ""
    cases: str = ""


@dataclass
class Corpus:
    sources: dict[str, list[Source]]
    groups: dict[str, str]                       # field → field group
    tags: list[str]
    sentences: dict[str, list[str]]              # field → description sentences
    group_sentences: dict[str, list[str]]        # field group → description sentences
    all_sentences: list[str]
    document_sentences: list[str]                # from ../shared/seeds (may be empty)
    title_parts: dict[str, list[tuple[list[str], str]]] = field(default_factory=dict)


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text or "") if len(s.strip()) >= 8]


def load_corpus() -> Corpus:
    taxonomy = json.loads((ROOT / "seed/reference/taxonomy.json").read_text(encoding="utf-8"))
    groups = {child: g["name"] for g in taxonomy["fields"] for child in g["children"]}
    tags = [t for kind in taxonomy["tags"].values() for t in kind]
    sources = {"opportunity": [], "product": []}
    for row in json.loads((ROOT / "seed/demo/opportunities.json").read_text(encoding="utf-8")):
        sources["opportunity"].append(Source("opportunity", row["field"], row["tags"],
                                             row["title"], row["summary"], row["description"],
                                             timeline=row.get("timeline", "")))
    for row in json.loads((ROOT / "seed/demo/products.json").read_text(encoding="utf-8")):
        sources["product"].append(Source("product", row["field"], row["tags"], row["name"],
                                         row["summary"], row["description"],
                                         scenarios=row.get("scenarios", ""),
                                         cases=row.get("cases", "")))
    matching = ROOT / "tests/data/matching"
    for row in _jsonl(matching / "opportunities.jsonl"):
        sources["opportunity"].append(Source("opportunity", row["field"], row["tags"],
                                             row["title"], row["summary"], row["description"]))
    for row in _jsonl(matching / "products.jsonl"):
        sources["product"].append(Source("product", row["field"], row["tags"], row["title"],
                                         row["summary"], row["description"],
                                         scenarios=row.get("scenarios", ""),
                                         cases=row.get("cases", "")))
    sentences: dict[str, list[str]] = {}
    group_sentences: dict[str, list[str]] = {}
    all_sentences = []
    for kind_sources in sources.values():
        for source in kind_sources:
            found = _sentences(source.description)
            sentences.setdefault(source.field, []).extend(found)
            group_sentences.setdefault(groups.get(source.field, ""), []).extend(found)
            all_sentences.extend(found)
    documents = []
    if SEED_DOCUMENTS.is_dir():
        for path in sorted(SEED_DOCUMENTS.glob("*.txt")):
            documents += [s for s in _sentences(path.read_text(encoding="utf-8"))
                          if 15 <= len(s) <= 120]
    corpus = Corpus(sources, groups, tags, sentences, group_sentences, all_sentences, documents)
    tokenizer = jieba.Tokenizer()
    jieba.setLogLevel(60)
    for kind, kind_sources in sources.items():
        corpus.title_parts[kind] = [(tokenizer.lcut(s.title), s.field) for s in kind_sources]
    return corpus


class Generator:
    """``listing(kind)`` draws one listing; the same seed gives the same sequence."""

    def __init__(self, corpus: Corpus, regions: list[str], seed: int = 42):
        self.corpus = corpus
        self.random = random.Random(seed)
        self.regions = regions
        self.cities = [r for r in regions if r.endswith("00")]
        self.start = datetime(2022, 1, 1)

    def _number(self, match: re.Match) -> str:
        digits = match.group()
        if len(digits) == 4 and digits.startswith("20"):
            return str(self.random.randint(2019, 2026))
        if len(digits) == 1:
            return str(self.random.randint(1, 9))
        return str(self.random.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

    def _title(self, kind: str, field_name: str) -> str:
        parts = self.corpus.title_parts[kind]
        same = [p for p in parts if p[1] == field_name] or parts
        head, _ = self.random.choice(same)
        tail, _ = self.random.choice(same)
        cut_head = max(1, len(head) // 2 + self.random.randint(-1, 0))
        cut_tail = max(1, len(tail) // 2 + self.random.randint(0, 1))
        title = "".join(head[:cut_head] + tail[cut_tail:]) or "".join(head)
        return title[:40]

    def _summary(self, source: Source, other: Source) -> str:
        first = _CLAUSE.findall(source.summary)
        second = _CLAUSE.findall(other.summary)
        split_a = max(1, len(first) // 2)
        split_b = min(len(second) - 1, len(second) // 2) if len(second) > 1 else 0
        text = "".join(first[:split_a] + second[split_b:]).strip("，,")
        if not text.endswith(("。", "！", "？")):
            text += "。"
        return text[:120]

    def _description(self, field_name: str) -> str:
        """~300 characters: 60% sentences of the same field, 25% of its group, 10% any,
        5% the seed documents."""
        target = max(120, int(self.random.gauss(300, 70)))
        corpus = self.corpus
        same_field = corpus.sentences.get(field_name) or corpus.all_sentences
        same_group = corpus.group_sentences.get(corpus.groups.get(field_name, "")) or same_field
        chosen, length = [], 0
        while length < target:
            roll = self.random.random()
            if roll < 0.05 and corpus.document_sentences:
                sentence = self.random.choice(corpus.document_sentences)
            elif roll < 0.15:
                sentence = self.random.choice(corpus.all_sentences)
            elif roll < 0.40:
                sentence = self.random.choice(same_group)
            else:
                sentence = self.random.choice(same_field)
            sentence = _DIGITS.sub(self._number, sentence)
            if sentence not in chosen:
                chosen.append(sentence)
                length += len(sentence)
        return "".join(chosen)[:1000]

    def listing(self, kind: str, organizations: int) -> Listing:
        r = self.random
        sources = self.corpus.sources[kind]
        source = r.choice(sources)
        group = self.corpus.groups.get(source.field, "")
        same_group = [s for s in sources if self.corpus.groups.get(s.field) == group] or sources
        same_field = [s for s in sources if s.field == source.field]
        other = r.choice(same_field if len(same_field) > 1 and r.random() < 0.7 else same_group)
        tags = list(dict.fromkeys(source.tags[:2] + r.sample(other.tags, min(1, len(other.tags)))))
        if r.random() < 0.15:
            tags.append(r.choice(self.corpus.tags))
        tags = list(dict.fromkeys(tags))[:4]
        published = self.start + timedelta(days=r.randint(0, 4 * 365), seconds=r.randint(0, 86399))
        item = Listing(kind=kind, title=self._title(kind, source.field),
                       summary=self._summary(source, other),
                       description=self._description(source.field), field=source.field, tags=tags,
                       region="", organization=r.randrange(organizations),
                       published_at=published, release=0)
        if kind == "opportunity":
            item.deadline = (published + timedelta(days=r.randint(30, 900))).date()
            item.budget_wan = round(r.uniform(20, 2000), 2)
            item.timeline = (source.timeline or f"签约后{r.randint(3, 18)}个月内完成")[:200]
            item.cooperation_mode = r.choice(COOPERATION_MODES)
        else:
            scenario_pool = [s.scenarios for s in same_group if s.scenarios] or [""]
            case_pool = [c for s in same_group for c in _sentences(s.cases)] or [""]
            item.scenarios = r.choice(scenario_pool)
            item.maturity = r.choices(list(MATURITY_WEIGHTS), list(MATURITY_WEIGHTS.values()))[0]
            item.cases = _DIGITS.sub(self._number, "".join(r.sample(case_pool,
                                                                    min(2, len(case_pool)))))
        return item

    def department_names(self, region_names: dict[str, str], count: int) -> list[tuple[str, str]]:
        """(name, region code): a department type in a region."""
        seen, result = set(), []
        codes = sorted(region_names)
        while len(result) < count:
            code = self.random.choice(codes)
            name = f"{region_names[code]}{self.random.choice(DEPARTMENT_KINDS)}"
            if name not in seen:
                seen.add(name)
                result.append((name, code))
        return result

    def enterprise_names(self, region_names: dict[str, str], count: int) -> list[tuple[str, str]]:
        seen, result = set(), []
        codes = sorted(c for c in region_names if c.endswith("00"))
        while len(result) < count:
            code = self.random.choice(codes)
            brand = "".join(self.random.sample(BRAND, 2))
            place = region_names[code][:2]
            name = f"{place}{brand}{self.random.choice(INDUSTRY)}有限公司"
            if name not in seen:
                seen.add(name)
                result.append((name, code))
        return result
