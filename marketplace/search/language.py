"""Where the language data comes from: the database (admin-edited), seeded from seed/search."""
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.search.models import LanguageEntry
from marketplace.search.text import LanguageData, parse_language


def current_language() -> LanguageData:
    rows = db.session.execute(sa.select(LanguageEntry.kind, LanguageEntry.value)
                              .order_by(LanguageEntry.kind, LanguageEntry.position)).all()
    texts = {"synonym": [], "stopword": [], "dictionary": []}
    for kind, value in rows:
        texts[kind].append(value)
    return parse_language(synonyms="\n".join(texts["synonym"]),
                          stopwords="\n".join(texts["stopword"]),
                          dictionary="\n".join(texts["dictionary"]))


def language_text(kind: str) -> str:
    """The entries of one kind as the admin edits them: one per line."""
    return "\n".join(db.session.scalars(
        sa.select(LanguageEntry.value).where(LanguageEntry.kind == kind)
        .order_by(LanguageEntry.position)))
