"""Small text helpers shared across features: phone numbers, amounts, Chinese numerals."""
import re
import unicodedata
from decimal import Decimal

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SERVICE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")
_CN_DIGITS = "零一二三四五六七八九"


def normalise_phone(raw: str) -> str:
    """Half-width digits, no spaces or brackets; '' when nothing was given."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s()（）]", "", text).replace("—", "-")


def phone_problem(phone: str) -> str | None:
    if any(p.match(phone) for p in (_MOBILE, _LANDLINE, _SERVICE)):
        return None
    return "请输入有效的电话号码：11 位手机号，或带区号的固定电话（如 0791-83881234）。"


def mask_phone(phone: str) -> str:
    """138****5678 / 0791-****1234: enough to recognise, not enough to call."""
    if not phone:
        return ""
    if "-" in phone and phone.startswith("0"):
        area, rest = phone.split("-", 1)
        return f"{area}-****{rest.replace('-', '')[-4:]}"
    return f"{phone[:3]}****{phone[-4:]}"


def format_wan(amount: Decimal | None) -> str:
    if amount is None:
        return "面议"
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text} 万元"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (batch numbers in release titles)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    prefix = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{prefix}十{_CN_DIGITS[ones] if ones else ''}"
