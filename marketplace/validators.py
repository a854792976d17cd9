"""Input checks shared by every feature's services (listings, proposals, pairings, …).

Each takes the submitted ``data`` (or a raw value) and returns the value it vouches for,
or raises ValidationError naming the field, in Chinese; run them through an
``errors.Collector`` to report every problem of a form at once.
"""
from decimal import Decimal, InvalidOperation

from marketplace.errors import ValidationError

AMOUNT_MAX_WAN = Decimal("10000000")
# The largest id or count a request may carry: PostgreSQL's integer. A larger number would
# reach the database and fail there (SQLite overflows past 2**63 - 1): a 500, not a 404.
ID_MAX = 2**31 - 1


def as_whole(raw) -> int | None:
    """``raw`` (a request or file value) as a whole number ≥ 0 of at most ten digits, or
    None: ASCII digits only, so "²" or "١" (which ``str.isdigit`` accepts) never reach
    ``int``."""
    value = str(raw if raw is not None else "").strip()
    if not (0 < len(value) <= 10 and value.isascii() and value.isdigit()):
        return None
    return int(value)


def as_id(raw) -> int | None:
    """``raw`` as a positive whole number up to ID_MAX (a row id, a page), or None."""
    number = as_whole(raw)
    return number if number is not None and 0 < number <= ID_MAX else None


def text(data: dict, name: str, label: str, max_len: int, required: bool = True) -> str:
    """Stripped text of at most ``max_len`` characters, line breaks stored as ``\n`` (a
    browser's textarea sends ``\r\n``, which spreadsheets and e-mails do not keep)."""
    raw = data.get(name)
    value = raw.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(raw, str) else ""
    if required and not value:
        raise ValidationError(f"请填写{label}。", field=name)
    if len(value) > max_len:
        raise ValidationError(f"{label}不能超过 {max_len} 个字（当前 {len(value)} 个）。",
                              field=name)
    return value


def choice(data: dict, name: str, label: str, options) -> str:
    value = (data.get(name) or "").strip()
    if value not in options:
        raise ValidationError(f"请选择{label}。", field=name)
    return value


def wan_amount(raw, field: str = "budget_wan", label: str = "预算") -> Decimal | None:
    """An optional amount in 万元 (empty = negotiable), two decimals."""
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"{label}请填写数字（单位：万元）。", field=field) from None
    if not value.is_finite() or value < 0:
        raise ValidationError(f"{label}不能为负数。", field=field)
    if value >= AMOUNT_MAX_WAN:
        raise ValidationError(f"{label}金额过大，请以万元为单位填写。", field=field)
    return value.quantize(Decimal("0.01"))
