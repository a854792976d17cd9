"""The one text pipeline used for indexing and for querying.

NFKC (full-width → half-width) → lower-case Latin → pasted pinyin glosses like
``中(zhōng)`` removed → phone numbers removed → Traditional → Simplified (OpenCC t2s) →
jieba with the domain dictionary → synonyms mapped to one canonical term → single
characters dropped. Stop-words (generic words: 平台, 智慧, 建设 …) are kept in the index, so
that searching for them alone finds something, and left out of matching and evidence
(``terms(…, keep_stop=False)``, the default). Glosses and phones are found after folding, so a full-width phone number or an
upper-case gloss goes too, and normalising twice changes nothing.

Every token keeps the character span it came from in the *original* text, so snippets and
evidence can be highlighted without re-deriving positions.
"""
import re
import threading
import unicodedata
from dataclasses import dataclass, field

import opencc

from marketplace.search.segmenter import Tokenizer, jieba, stock_dictionary
from marketplace.validators import as_whole

# Pinyin glosses pasted after a Han character (in folded text): 中(zhōng), 國(guó)(guo).
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])(?:\([a-züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ]{1,8}\))+")
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|[48]00-?\d{3}-?\d{4})(?!\d)")
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_LATIN_RUN = re.compile(r"[a-z0-9]+")
_CONVERTER = opencc.OpenCC("t2s")
_JIEBA_LOCK = threading.Lock()


@dataclass(frozen=True)
class LanguageData:
    """Admin-editable language data (see seed/search/ and search.models.LanguageEntry)."""

    synonyms: tuple[tuple[str, ...], ...] = ()
    stopwords: frozenset[str] = frozenset()
    dictionary: tuple[tuple[str, int, str], ...] = ()

    def as_json(self) -> dict:
        return {"synonyms": [list(g) for g in self.synonyms],
                "stopwords": sorted(self.stopwords),
                "dictionary": [list(d) for d in self.dictionary]}

    @classmethod
    def from_json(cls, data: dict) -> "LanguageData":
        return cls(synonyms=tuple(tuple(g) for g in data.get("synonyms", [])),
                   stopwords=frozenset(data.get("stopwords", [])),
                   dictionary=tuple((w, int(f), p) for w, f, p in data.get("dictionary", [])))


@dataclass(frozen=True)
class Span:
    term: str      # canonical term as indexed
    surface: str   # the text as written
    start: int     # offsets in the original text
    end: int


class _FoldTable(dict):
    """Code point → its NFKC, lower-cased form, filled on first use; a ``str.translate``
    table (NUL, which marks removed pinyin glosses, is dropped)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = unicodedata.normalize("NFKC", chr(code)).lower()
        return folded


_FOLD = _FoldTable({0: None})


def _fold(char: str) -> str:
    return _FOLD[ord(char)]


def _unglossed(folded: str) -> str:
    """Glosses marked for removal (NUL) and phone numbers blanked, length unchanged."""
    folded = _PINYIN.sub(lambda m: "\0" * len(m.group()), folded)
    return _PHONE.sub(lambda m: " " * len(m.group()), folded)


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC and lower case (NUL dropped), and for each character the index it came from."""
    folded = text.translate(_FOLD)
    if len(folded) == len(text):  # each character folds to one (the usual case)
        return folded, list(range(len(text)))
    chars, origin = [], []
    for index, char in enumerate(text):
        if char == "\0":
            continue
        one = _fold(char)
        chars.append(one)
        origin.extend([index] * len(one))
    return "".join(chars), origin


def _simplified(joined: str) -> str:
    converted = _CONVERTER.convert(joined)
    if len(converted) != len(joined):  # phrase conversion changed length: go per character
        converted = "".join(_CONVERTER.convert(c) if len(_CONVERTER.convert(c)) == 1 else c
                            for c in joined)
    return converted


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the index it came from."""
    folded, origin = _folded_with_map(text or "")
    cleaned = _unglossed(folded)
    if "\0" in cleaned:
        kept = [i for i, char in enumerate(cleaned) if char != "\0"]
        cleaned, origin = "".join(cleaned[i] for i in kept), [origin[i] for i in kept]
    return _simplified(cleaned), origin


def normalise(text: str) -> str:
    """``normalise_with_map(text)[0]`` without the map."""
    return _simplified(_unglossed((text or "").translate(_FOLD)).replace("\0", ""))


_BASE: tuple[dict[str, int], int] | None = None


def _fresh_tokenizer() -> Tokenizer:
    """A tokenizer (jieba's, see search.segmenter) with the stock dictionary, copied from
    the one loaded once per process (copying the table takes a few milliseconds)."""
    global _BASE
    with _JIEBA_LOCK:
        if _BASE is None:
            _BASE = stock_dictionary()
        tokenizer = Tokenizer()
        tokenizer.FREQ, tokenizer.total = dict(_BASE[0]), _BASE[1]
        tokenizer.initialized = True
    return tokenizer


@dataclass
class Pipeline:
    """Segmentation with a private jieba instance and the language data it was built from."""

    language: LanguageData
    _tokenizer: Tokenizer = field(init=False, repr=False)
    _canonical: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self):
        self._tokenizer = _fresh_tokenizer()
        self._canonical = {}
        words = [(normalise(w), freq, pos) for w, freq, pos in self.language.dictionary]
        listed = {word for word, _, _ in words}
        for group in self.language.synonyms:
            terms = [normalise(t) for t in group if t.strip()]
            for term in terms:
                self._canonical[term] = terms[0]
                if term not in listed:  # the dictionary's frequency stands (老人 4424)
                    words.append((term, 1000, "nz"))
        with _JIEBA_LOCK:
            for word, freq, pos in words:
                # Runs of Latin letters and digits come out of jieba whole by themselves;
                # as dictionary words they would cut other ones apart (smart → sm/ar/t).
                if len(word) > 1 and not _LATIN_RUN.fullmatch(word):
                    self._tokenizer.add_word(word, freq, pos)
        self._stopwords = {self.canonical(normalise(w)) for w in self.language.stopwords}
        self._names: dict[str, list[str]] = {}          # see name_terms
        self._forms: dict[str, tuple[str, ...]] = {}   # canonical term → every written form
        for word, term in self._canonical.items():
            self._forms[term] = tuple(dict.fromkeys((term, *self._forms.get(term, ()), word)))

    def canonical(self, token: str) -> str:
        return self._canonical.get(token, token)

    def is_stop(self, term: str) -> bool:
        return term in self._stopwords

    def _tokens(self, normalised: str, for_search: bool, only=None, keep_stop: bool = False):
        """(term, start, end) in ``normalised``. With ``only`` (a set of terms), just the
        tokens of the runs jieba segments separately (its ``re_han`` blocks, between
        punctuation and spaces) that contain a written form of one of those terms: the
        same tokens for those runs as segmenting the whole text, for a fraction of the
        work."""
        mode = "search" if for_search else "default"
        if only is None:
            pieces = ((0, normalised),)
        else:
            forms = {form for term in only for form in self._forms.get(term, (term,))}
            pieces = [(m.start(), m.group()) for m in jieba.re_han_default.finditer(normalised)
                      if any(form in m.group() for form in forms)]
        for offset, piece in pieces:
            for word, start, end in self._tokenizer.tokenize(piece, mode=mode, HMM=True):
                if not _WORD.search(word) or len(word) == 1:
                    continue  # punctuation, spaces, single characters (的, 和, the i of i南昌)
                term = self._canonical.get(word, word)
                if not keep_stop and (term in self._stopwords or word in self._stopwords):
                    continue
                yield term, start + offset, end + offset

    def spans(self, text: str, for_search: bool = True, only=None,
              keep_stop: bool | None = None) -> list[Span]:
        """Tokens with their original-text spans. ``for_search`` adds the shorter words
        inside long ones (智慧停车 → 智慧, 停车, 智慧停车) so that two-character queries find
        longer compounds; queries use the accurate cut. ``only``: see ``_tokens`` (for
        marking a few terms, every span of those terms is among the result, stop-words
        included: a search for 系统 alone marks 系统). ``keep_stop`` defaults to whether
        ``only`` is given."""
        normalised, origin = normalise_with_map(text)
        keep = only is not None if keep_stop is None else keep_stop
        return [Span(term, text[origin[start]:origin[end - 1] + 1], origin[start],
                     origin[end - 1] + 1)
                for term, start, end in self._tokens(normalised, for_search, only,
                                                     keep_stop=keep)]

    def terms(self, text: str, for_search: bool = True, keep_stop: bool = False) -> list[str]:
        return [term for term, _, _ in self._tokens(normalise(text), for_search,
                                                     keep_stop=keep_stop)]

    def name_terms(self, text: str) -> list[str]:
        """``terms(text, keep_stop=True)`` remembered, for the names every document repeats
        (tags, fields, organizations): a rebuild segments each distinct name once. Do not
        modify the returned list."""
        terms = self._names.get(text)
        if terms is None:
            terms = self.terms(text, keep_stop=True)
            if len(self._names) < 50_000:
                self._names[text] = terms
        return terms


def read_language_files(directory) -> LanguageData:
    """Parse seed/search/{synonyms,stopwords,dictionary}.txt (``#`` comments)."""
    def lines(name):
        path = directory / name
        if not path.exists():
            return []
        return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")]

    return parse_language(synonyms="\n".join(lines("synonyms.txt")),
                          stopwords="\n".join(lines("stopwords.txt")),
                          dictionary="\n".join(lines("dictionary.txt")))


def parse_synonym_line(line: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in re.split(r"[,，]", line.split("#")[0]) if t.strip())


def parse_dictionary_line(line: str) -> tuple[str, int, str]:
    parts = line.split("#")[0].split()
    word = parts[0]
    freq = (as_whole(parts[1]) if len(parts) > 1 else None) or 1000
    pos = parts[2] if len(parts) > 2 else "nz"
    return word, freq, pos


def parse_language(synonyms: str = "", stopwords: str = "", dictionary: str = "") -> LanguageData:
    def content(text):
        return [ln.strip() for ln in text.splitlines()
                if ln.strip() and not ln.lstrip().startswith("#")]

    return LanguageData(
        synonyms=tuple(g for g in (parse_synonym_line(ln) for ln in content(synonyms))
                       if len(g) > 1),
        stopwords=frozenset(ln.split("#")[0].strip() for ln in content(stopwords)),
        dictionary=tuple(parse_dictionary_line(ln) for ln in content(dictionary)))
