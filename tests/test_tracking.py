"""Tracking codes and PINs: Damm error detection, generation, normalisation of typed input."""

from __future__ import annotations

import random

import pytest

from intake.domain.tracking import (
    CODE_LENGTH,
    damm_check_digit,
    format_code,
    is_valid,
    new_code,
    new_pin,
    normalize_code,
    normalize_pin,
)

# A fixed valid code for the normalisation tests (its check digit computed, not hard-coded).
BODY = "48210937556"
CODE = BODY + damm_check_digit(BODY)

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TIBETAN = str.maketrans("0123456789", "༠༡༢༣༤༥༦༧༨༩")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _sample_codes() -> list[str]:
    rng = random.Random(20261127)  # seeded so a failure can be reproduced
    bodies = [f"{rng.randrange(10**11):011d}" for _ in range(20)]
    bodies += ["00000000000", "99999999999", "01234567890"]
    codes = [body + damm_check_digit(body) for body in bodies]
    return codes + [new_code() for _ in range(10)]


SAMPLE_CODES = _sample_codes()
#: Fresh codes differ on every collection: named by position, so every xdist worker collects the same tests.
SAMPLE_IDS = [code if index < len(SAMPLE_CODES) - 10 else f"new-code-{index}" for index, code in enumerate(SAMPLE_CODES)]


def test_damm_known_vector() -> None:
    # The worked example from Damm's algorithm descriptions: 572 -> check digit 4.
    assert damm_check_digit("572") == "4"
    assert is_valid("0" * 8 + "5724")  # leading zeros do not change a Damm check


def test_damm_check_digit_rejects_non_ascii_digits() -> None:
    with pytest.raises(ValueError):
        damm_check_digit("12a4")
    with pytest.raises(ValueError):
        damm_check_digit("１２３")


@pytest.mark.parametrize("code", SAMPLE_CODES, ids=SAMPLE_IDS)
def test_every_single_digit_substitution_is_detected(code: str) -> None:
    assert is_valid(code)
    for position in range(CODE_LENGTH):
        for digit in "0123456789":
            if digit == code[position]:
                continue
            wrong = code[:position] + digit + code[position + 1 :]
            assert not is_valid(wrong), (code, position, digit)


@pytest.mark.parametrize("code", SAMPLE_CODES, ids=SAMPLE_IDS)
def test_every_adjacent_transposition_is_detected(code: str) -> None:
    swaps = 0
    for position in range(CODE_LENGTH - 1):
        a, b = code[position], code[position + 1]
        if a == b:
            continue
        swapped = code[:position] + b + a + code[position + 2 :]
        assert not is_valid(swapped), (code, position)
        swaps += 1
    assert swaps or len(set(code)) == 1  # only a constant code has nothing to swap


def test_new_code_shape_and_validity() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500  # 10**11 possibilities: a collision here means broken randomness
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert code.isascii() and code.isdigit()
        assert is_valid(code)


def test_is_valid_rejects_non_canonical_forms() -> None:
    assert is_valid(CODE)
    assert not is_valid(format_code(CODE))
    assert not is_valid(CODE.translate(FULL_WIDTH))
    assert not is_valid(CODE[:-1])
    assert not is_valid(CODE + "0")
    assert not is_valid("")


def test_format_code_groups_of_four() -> None:
    assert format_code("482109375562") == "4821 0937 5562"
    assert format_code(CODE) == f"{CODE[:4]} {CODE[4:8]} {CODE[8:]}"
    with pytest.raises(ValueError):
        format_code("12345")
    with pytest.raises(ValueError):
        format_code(CODE.translate(FULL_WIDTH))


@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        format_code(CODE),
        f"  {format_code(CODE)}\n",
        f"{CODE[:4]}-{CODE[4:8]}-{CODE[8:]}",
        f"{CODE[:4]}.{CODE[4:8]}.{CODE[8:]}",
        f"{CODE[:4]}－{CODE[4:8]}－{CODE[8:]}".translate(FULL_WIDTH),  # ４８２１－０９３７－…
        f"{CODE[:4]}-{CODE[4:8]}-{CODE[8:]}".translate(FULL_WIDTH),
        f"{CODE[:4]}\u3000{CODE[4:8]}\u3000{CODE[8:]}".translate(FULL_WIDTH),  # ideographic space
        format_code(CODE).translate(TIBETAN),
        f"{CODE[:4]}་{CODE[4:8]}་{CODE[8:]}".translate(TIBETAN),  # tsheg as separator
        format_code(CODE).translate(ARABIC_INDIC),
        CODE[:6].translate(TIBETAN) + CODE[6:].translate(FULL_WIDTH),  # mixed scripts
    ],
)
def test_normalize_code_accepts_typed_forms(typed: str) -> None:
    assert normalize_code(typed) == CODE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        CODE[:-1],  # 11 digits
        CODE + "0",  # 13 digits
        CODE[:-1] + str((int(CODE[-1]) + 1) % 10),  # wrong check digit
        CODE[1] + CODE[0] + CODE[2:],  # first two digits swapped ("4" and "8")
        f"#{CODE}",
        f"{CODE}a",
        f"code {format_code(CODE)}",
        "".join(chr(0x2070) if d == "0" else d for d in CODE),  # superscript zero is no digit
    ],
)
def test_normalize_code_rejects(typed: str) -> None:
    assert normalize_code(typed) is None


def test_normalize_code_allows_separators_between_every_digit() -> None:
    assert normalize_code("-".join(CODE)) == CODE


def test_normalize_code_rejects_overlong_input() -> None:
    assert normalize_code(" " * 100 + "-" * 100 + CODE) is None


def test_new_pin() -> None:
    pins = [new_pin() for _ in range(200)]
    for pin in pins:
        assert len(pin) == 4 and pin.isascii() and pin.isdigit()
    assert len(set(pins)) > 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0427", "0427"),
        (" 0427 ", "0427"),
        ("04-27", "0427"),
        ("０４２７", "0427"),
        ("༠༤༢༧", "0427"),
        ("04 27", "0427"),
        ("427", None),
        ("04270", None),
        ("04a7", None),
        ("", None),
    ],
)
def test_normalize_pin(typed: str, expected: str | None) -> None:
    assert normalize_pin(typed) == expected
