"""统一社会信用代码 (GB 32100-2015) normalisation and validation.

The check character uses python-stdnum's arithmetic. stdnum's ``validate()`` also
demands that the first eight characters be digits, which rejects valid codes whose
registration-authority character is a letter (A 军队, N 农业, Y 其他 …), so the
structure is checked here and only the check character is delegated.
"""
import unicodedata

from stdnum.cn import uscc

ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
AUTHORITY_CODES = set("123456789ANY")


def normalise(raw: str) -> str:
    """Full-width → half-width, upper case, separators removed."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(ch for ch in text if ch not in " -\t")


def problem(code: str) -> str | None:
    """The Chinese message for a malformed code, or None when ``code`` is valid."""
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，您输入了 {len(code)} 位。"
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）。"
    if code[0] not in AUTHORITY_CODES:
        return "统一社会信用代码第 1 位（登记管理部门代码）无效。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3-8 位应为登记管理机关行政区划码（数字）。"
    if uscc.calc_check_digit(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新输入。"
    return None
