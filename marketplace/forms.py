"""Form helpers shared by the features' forms."""
from wtforms.fields.choices import SelectChoice


def choices(pairs, optgroup: str | None = None, blank: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 choices, with an optional leading blank option."""
    result = [SelectChoice("", blank)] if blank else []
    return result + [SelectChoice(str(value), label, optgroup=optgroup) for value, label in pairs]
