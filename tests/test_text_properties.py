"""Text normalisation is idempotent: normalising normalised text changes nothing.

``search.text.normalise`` (NFKC, lower case, Traditional → Simplified, pasted pinyin
glosses and phone numbers removed) runs on documents when they are indexed and on
queries; ``text.normalise_phone`` runs on every contact phone a form or an import sends.
"""
import string
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from marketplace.search.text import normalise
from marketplace.text import normalise_phone, phone_problem

TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
TRADITIONAL = "國務院學習貫徹總書記關於數字經濟發展論述黨會議開聯繫電話應場景產業創設計劃實網絡"
BRACKETS = "()（）"


def _folded(char: str) -> bool:
    return unicodedata.normalize("NFKC", char).lower() == char


def _full_width(text: str) -> str:
    """ASCII → the full-width forms that Chinese input methods type (０-９, ａ-ｚ, －)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
traditional = st.sampled_from(TRADITIONAL)
syllable = st.text(st.sampled_from(string.ascii_lowercase + TONES), min_size=1, max_size=6)
mobile = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landline = st.from_regex(r"0[0-9]{2,3}-?[0-9]{7,8}", fullmatch=True)
service = st.from_regex(r"[48]00-?[0-9]{3}-?[0-9]{4}", fullmatch=True)
phone = st.one_of(mobile, landline, service)


@st.composite
def gloss(draw, widths=st.booleans(), cases=st.booleans()):
    """A Han character with its pinyin pasted after it: 中(zhōng), 國（guó）."""
    open_, close = draw(st.sampled_from(["()", "（）"]))
    sound = draw(syllable)
    if draw(cases):
        sound = sound.upper()
    if draw(widths):
        sound = _full_width(sound)
    return draw(st.one_of(han, traditional)) + open_ + sound + close


def texts(pieces) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=12).map("".join)


# Anything a pasted document may hold: full-width letters and digits, Traditional
# characters, glosses in either width and case, phone numbers in either width.
ANY_TEXT = texts(st.one_of(
    st.text(max_size=4), han, traditional, st.sampled_from(BRACKETS + " \u3000\n-－—"),
    st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), max_size=3),
    gloss(), phone, phone.map(_full_width)))

# Text that needs no folding: what NFKC and lower-casing leave unchanged, glosses and
# phone numbers written half-width and lower-case, and no brackets outside a gloss.
FOLDED_TEXT = texts(st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters=BRACKETS)
            .filter(_folded), max_size=4),
    han, traditional, gloss(widths=st.just(False), cases=st.just(False)), phone))


@settings(max_examples=300)
@given(FOLDED_TEXT)
def test_normalise_is_idempotent_on_text_that_needs_no_folding(text):
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300)
@given(ANY_TEXT)
@example("联系电话１３８１２３４５６７８")
@example("中（ｚｈōｎｇ）共")
@example("中(ZHŌNG)共")
@example("中(zhōng)(zhong)共")
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


PHONE_LIKE = st.text(st.sampled_from("0123456789０１２３４５６７８９ \u3000()（）-－—"), max_size=20)


@settings(max_examples=300)
@given(st.one_of(PHONE_LIKE, phone, phone.map(_full_width)))
def test_normalise_phone_is_idempotent_on_phone_like_input(text):
    once = normalise_phone(text)
    assert normalise_phone(once) == once


@settings(max_examples=300)
@given(st.text(max_size=20))
def test_a_phone_normalise_phone_accepts_is_left_as_it_is(text):
    """On arbitrary input it need not be idempotent ('O´' gives 'Ó' only the second
    time: NFKC turns ´ into a space and an accent, and the space is removed), but what
    it gives and phone_problem accepts is final."""
    once = normalise_phone(text)
    if phone_problem(once) is None:
        assert normalise_phone(once) == once


def test_wan_amounts_read_the_same_whatever_their_type():
    from decimal import Decimal

    from marketplace.text import format_wan
    assert format_wan(Decimal("326.00")) == format_wan(326.0) == format_wan(326) == "326 万元"
    assert format_wan(Decimal("158.50")) == "158.5 万元" and format_wan(None) == "面议"
    assert format_wan(Decimal("12345.67")) == "12,345.67 万元"
