"""Form helpers shared by the features' forms."""
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError


def choices(pairs, optgroup: str | None = None, blank: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices, with an optional leading blank option."""
    result = [SelectChoice("", blank)] if blank else []
    return result + [SelectChoice(str(value), label, optgroup=optgroup) for value, label in pairs]


class TextLength(Length):
    """At most ``max`` characters, counted as the services count them (``validators.text``:
    stripped, a browser's ``\\r\\n`` line break as one character) and as the page's counter
    shows them, so that the form, the counter and the service agree on every text."""

    def __init__(self, max: int):  # noqa: A002 — WTForms' own name
        super().__init__(max=max)
        # Length would render an HTML maxlength, which silently cuts a pasted text.
        self.field_flags = {}

    def __call__(self, form, field):
        value = (field.data or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(value) > self.max:
            raise ValidationError(f"{field.label.text}不能超过 {self.max} 个字"
                                  f"（当前 {len(value)} 个）。")


def limited(max_chars: int, **render_kw) -> dict:
    """Field arguments for a long text of at most ``max_chars`` characters: the server
    refuses more (TextLength), and the page states the limit with a live counter
    (``data-maxlength``, read by the field macro and static/js/textlimit.js). No HTML
    ``maxlength``: it silently cuts a pasted text at the limit, and the writer never
    learns that the end is gone."""
    return {"validators": [TextLength(max_chars)],
            "render_kw": {**render_kw, "data-maxlength": max_chars}}
