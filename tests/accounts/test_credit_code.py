from stdnum.cn import uscc

from marketplace.accounts.credit_code import normalise, problem


def with_check(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def test_valid_enterprise_code_passes():
    assert problem(with_check("91360113MA35ABCDE")) is None


def test_full_width_input_is_normalised():
    code = with_check("91360113MA35ABCDE")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    assert normalise(f" {full_width} ") == code
    assert problem(normalise(full_width)) is None


def test_letter_authority_codes_that_stdnum_rejects_are_accepted():
    for body in ("N2360100MA35ABCDE", "A1110000MA35ABCDE", "Y1360100MA35ABCDE"):
        code = with_check(body)
        assert not uscc.is_valid(code)  # the library's own validate() refuses these
        assert problem(code) is None, code


def test_wrong_check_character_is_reported_in_chinese():
    code = with_check("91360113MA35ABCDE")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert "校验位" in problem(wrong)


def test_length_and_characters_are_explained():
    assert "18 位" in problem("9136011")
    assert "I" in problem("91360113MA35ABCDI0")
    assert "第 3-8 位" in problem(with_check("9136A113MA35ABCDE"))
