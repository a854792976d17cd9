"""Admin changes to the language data, and reindex requests."""
import sqlalchemy as sa

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.search.models import LANGUAGE_KINDS, IndexTask, LanguageEntry
from marketplace.search.text import parse_dictionary_line, parse_synonym_line
from marketplace.validators import as_whole

MAX_LINES = 5000
MAX_LINE = 200


def _check_line(kind: str, number: int, line: str) -> None:
    if len(line) > MAX_LINE:
        raise ValidationError(f"第 {number} 行超过 {MAX_LINE} 个字符。", field="content")
    if kind == "synonym" and len(parse_synonym_line(line)) < 2:
        raise ValidationError(f"第 {number} 行至少需要两个以逗号分隔的词。", field="content")
    if kind == "dictionary":
        parts = line.split("#")[0].split()
        if len(parts) > 1 and as_whole(parts[1]) is None:
            raise ValidationError(f"第 {number} 行格式应为“词语 词频 词性”，词频为数字。",
                                  field="content")
        if len(parse_dictionary_line(line)[0]) < 2:
            raise ValidationError(f"第 {number} 行的词语至少两个字。", field="content")
    if kind == "stopword" and len(line.split()) != 1:
        raise ValidationError(f"第 {number} 行应只有一个词。", field="content")


def replace_language(actor, kind: str, content: str) -> int:
    """Replace every entry of ``kind`` with the lines of ``content`` (``#`` lines are kept as
    comments). Takes effect at the next reindex. Raises ValidationError naming the line."""
    require(actor, Permission.TAXONOMY_MANAGE)
    if kind not in LANGUAGE_KINDS:
        raise ValidationError("语言数据类型有误。")
    lines = [ln.strip() for ln in (content or "").splitlines() if ln.strip()]
    if len(lines) > MAX_LINES:
        raise ValidationError(f"最多 {MAX_LINES} 行。", field="content")
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#"):
            _check_line(kind, number, line)
    unique = list(dict.fromkeys(lines))
    before = db.session.scalar(sa.select(sa.func.count(LanguageEntry.id))
                               .where(LanguageEntry.kind == kind))
    db.session.execute(sa.delete(LanguageEntry).where(LanguageEntry.kind == kind))
    db.session.add_all(LanguageEntry(kind=kind, value=line, position=i)
                       for i, line in enumerate(unique))
    db.session.flush()
    audit.record(actor, "search.language_update", object_type="language",
                 before={"kind": kind, "entries": before},
                 after={"kind": kind, "entries": len(unique)}, summary=LANGUAGE_KINDS[kind])
    return len(unique)


def load_default_language(directory) -> int:
    """Seed the language data from seed/search/*.txt for kinds that have none yet."""
    added = 0
    for kind, filename in (("synonym", "synonyms.txt"), ("stopword", "stopwords.txt"),
                           ("dictionary", "dictionary.txt")):
        if db.session.scalar(sa.select(LanguageEntry.id).where(LanguageEntry.kind == kind)):
            continue
        path = directory / filename
        if not path.exists():
            continue
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
                 if ln.strip()]
        db.session.add_all(LanguageEntry(kind=kind, value=line, position=i)
                           for i, line in enumerate(dict.fromkeys(lines)))
        added += len(lines)
    db.session.flush()
    return added


def request_reindex(actor) -> None:
    """Queue a full rebuild for the drain (it applies the current language data)."""
    require(actor, Permission.TAXONOMY_MANAGE)
    if not db.session.scalar(sa.select(IndexTask.id).where(IndexTask.kind == "rebuild")):
        db.session.add(IndexTask(kind="rebuild"))
        db.session.flush()
    audit.record(actor, "search.reindex_requested", object_type="search", summary="重建索引")
