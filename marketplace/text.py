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


def mask_email(email: str) -> str:
    """z***@nc.gov.cn: the domain tells the organization, not the person."""
    local, at, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if at else email


def mask_name(name: str) -> str:
    """王** for 王小明: a record stays readable without naming the person."""
    return f"{name[:1]}{'*' * (len(name) - 1)}" if name else name


_EMAIL_IN_TEXT = re.compile(r"[^\s@<>（）()]+@[^\s@<>（）()]+")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def mask_personal_text(text: str) -> str:
    """Free text with every e-mail address and phone number in it masked."""
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text or "")
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


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
