"""What a reporter types, in Chinese, Tibetan or English, and what the validators make of it."""
from __future__ import annotations

import ast
import datetime
import importlib
import inspect
import pkgutil
import re

import pytest

from intake.domain import answers
from intake.domain.answers.dates import parse_date
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.emails import parse_email
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.matching import normalize_for_match
from intake.domain.answers.money import parse_amount
from intake.domain.answers.phones import parse_phone
from intake.domain.answers.text import clean_text

TODAY = datetime.date(2026, 11, 20)

AMOUNT_IN_NUMBERS = "Please write the amount in numbers, for example 30000 or 3万."
PHONE_DIGITS_ONLY = "A phone number has only digits. Please write it again, for example 138 0013 8000."
PHONE_LENGTH = ("This number has %(count)s digits, which is not a complete phone number. "
                "A mobile number has 11 digits, for example 138 0013 8000.")
SERVICE_NUMBER = ("This looks like a service number (such as 110 or 96110), not a personal phone. "
                  "Please write a mobile or home phone number, for example 138 0013 8000.")
FUTURE_DATE = "That date is in the future. Please write the day it happened: today, %(today)s, or earlier."
DATE_FORMAT = ("Please write the date as year-month-day, for example %(example)s. If you do not remember "
               "the day, the year and month are enough, for example %(example_month)s.")
NOT_IN_CALENDAR = "The date %(date)s is not in the calendar. Please check the day and the month."
HIDDEN_CHARACTERS = ("Your text contained some invisible special characters, which can make writing show backwards. "
                     "We removed them: please check the text and send it again.")
TOO_LONG = ("This is %(count)s characters long; the most we can take is %(max)s. "
            "Please shorten it and send it again.")
EMAIL_INCOMPLETE = "This does not look like a complete e-mail address. It should look like name@example.com."


def assert_invalid(result: object, message: str) -> Invalid:
    """The result is an error value with this message id, and its params fill the message."""
    assert isinstance(result, Invalid), result
    assert result.message == message
    result.message % result.params  # a missing param would raise here, in the channel
    return result


# --- digits -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("0123456789", "0123456789"),
    ("０１２３４５６７８９", "0123456789"),
    ("༠༡༢༣༤༥༦༧༨༩", "0123456789"),
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("३०", "30"),  # Devanagari
    ("１３８－００１３（８０００）", "138-0013(8000)"),
    ("＋８６\u3000１３８", "+86 138"),
    ("３，０００．５０", "3,000.50"),
    ("བཀྲ་ཤིས ༣", "བཀྲ་ཤིས 3"),
])
def test_digits_from_every_script_become_ascii(typed: str, expected: str) -> None:
    assert normalize_digits(typed) == expected


def test_digits_leave_numbers_that_are_not_decimal_digits_alone() -> None:
    # Superscripts and the Tibetan half digits are numbers but not positional digits.
    assert normalize_digits("²༳") == "²༳"


# --- amounts ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "fen"), [
    ("30000", 3_000_000),
    ("30,000", 3_000_000),
    ("1,000,000", 100_000_000),
    ("30 000", 3_000_000),
    ("３００００", 3_000_000),
    ("３０，０００", 3_000_000),
    ("༣༠༠༠༠", 3_000_000),
    ("༣.༥ 万", 3_500_000),
    ("30000元", 3_000_000),
    ("30000 元", 3_000_000),
    ("30000块钱", 3_000_000),
    ("30000 yuan", 3_000_000),
    ("30000 Yuan", 3_000_000),
    ("RMB 30000", 3_000_000),
    ("人民币30000元", 3_000_000),
    ("￥30,000", 3_000_000),
    ("¥30000.50", 3_000_050),
    ("30000.5", 3_000_050),
    ("0.01", 1),
    ("30000。", 3_000_000),  # a full stop after the number is only punctuation
    ("30000.", 3_000_000),
    ("སྒོར་མོ་ ༣༠༠༠༠", 3_000_000),
    ("0", 0),
    ("0元", 0),
])
def test_amount_accepts_plain_numbers_in_any_digits_with_currency_marks(typed: str, fen: int) -> None:
    assert parse_amount(typed) == fen


@pytest.mark.parametrize(("typed", "fen"), [
    ("3万", 3_000_000),
    ("3.5万", 3_500_000),
    ("3.5万元", 3_500_000),
    ("3.5 万", 3_500_000),
    ("¥3.5万", 3_500_000),
    ("2千", 200_000),
    ("1.2亿", 12_000_000_000),
    ("1亿2000万", 12_000_000_000),
    ("1万5千", 1_500_000),
    ("1万2000", 1_200_000),
    ("3万5", 3_500_000),
    ("3.12345万", 3_123_450),
    ("5萬", 5_000_000),
])
def test_amount_accepts_wan_qian_yi_with_decimal_and_yuan_suffix(typed: str, fen: int) -> None:
    assert parse_amount(typed) == fen


@pytest.mark.parametrize(("typed", "fen"), [
    ("三万", 3_000_000),
    ("五千", 500_000),
    ("两万", 2_000_000),
    ("两万五", 2_500_000),
    ("两万五千元", 2_500_000),
    ("三千五", 350_000),
    ("十万", 10_000_000),
    ("十五", 1_500),
    ("三十五万", 35_000_000),
    ("一百二十万", 120_000_000),
    ("一万零五百", 1_050_000),
    ("一万零五", 1_000_500),
    ("三千五万", 3_500_000_000),
    ("贰万", 2_000_000),
    ("零", 0),
])
def test_amount_reads_simple_chinese_numerals_as_people_say_them(typed: str, fen: int) -> None:
    assert parse_amount(typed) == fen


@pytest.mark.parametrize(("typed", "fen"), [
    ("ཁྲི་3", 3_000_000),  # ten thousand, three: the unit comes before its count
    ("ཁྲི་༣", 3_000_000),
    ("ཁྲི་གསུམ", 3_000_000),
    ("ཁྲི་གསུམ།", 3_000_000),
    ("ཁྲི་ཕྲག་གསུམ", 3_000_000),
    ("ཁྲི 3", 3_000_000),
    ("3 ཁྲི", 3_000_000),  # written in the Chinese order, as "3万"
    ("ཁྲི་3.5", 3_500_000),
    ("ཁྲི་༣.༥", 3_500_000),
    ("སྟོང་ལྔ", 500_000),
    ("འབུམ་གཅིག", 10_000_000),
    ("ས་ཡ", 100_000_000),
    ("ས་ཡ་གཉིས", 200_000_000),
    ("ཁྲི་གཉིས་དང་སྟོང་ལྔ", 2_500_000),
    ("ཁྲི་2 སྟོང་5", 2_500_000),
    ("ཁྲི་བཅུ་གཉིས", 12_000_000),
    ("ཁྲི་ཉི་ཤུ", 20_000_000),
    ("ཉིས་སྟོང", 200_000),
    ("ལྔ་བརྒྱ", 50_000),
    ("སྟོང་དང་ལྔ་བརྒྱ", 150_000),
    ("ཁྲི་གཉིས་དང་ལྔ", 2_000_500),
    ("སུམ་ཅུ་རྩ་གཉིས", 3_200),
    ("སྒོར་མོ་ཁྲི་3", 3_000_000),
    ("ཁྲི་གསུམ་སྒོར", 3_000_000),
])
def test_amount_reads_tibetan_number_words_with_digits_of_either_script(typed: str, fen: int) -> None:
    assert parse_amount(typed) == fen


@pytest.mark.parametrize("typed", [
    "ཁྲི་ཁྲི", "ཉིས", "དང", "ཁྲི་དང", "སྟོང་3 ཁྲི་2", "ཁྲི་3.5.5", "ཁྲི་abc",
    "སྟོང་ལྔ་བརྒྱ",  # 1500 or 5100: asked again rather than guessed
])
def test_amount_refuses_tibetan_words_that_are_not_one_number(typed: str) -> None:
    assert_invalid(parse_amount(typed), AMOUNT_IN_NUMBERS)


def test_amount_in_tibetan_words_too_large_is_refused() -> None:
    assert_invalid(parse_amount("དུང་ཕྱུར་200"),
                   "That amount looks too large. Please check the number of zeros, for example 30000 or 3万.")


@pytest.mark.parametrize("typed", [
    "30a00", "abc", "30,50", "3,0000", "3..5", "万", "百", "一二", "三万三万", "五百三千",
    "$", "30000 dollars", "3 + 4", "½",
])
def test_amount_refuses_text_that_is_not_a_number(typed: str) -> None:
    assert_invalid(parse_amount(typed), AMOUNT_IN_NUMBERS)


@pytest.mark.parametrize("typed", ["", "   ", "元", "￥"])
def test_amount_asks_for_a_number_when_nothing_was_written(typed: str) -> None:
    assert_invalid(parse_amount(typed), "Please write the amount of money, for example 30000 or 3万.")


@pytest.mark.parametrize("typed", ["-30000", "−30000", "￥-5"])
def test_amount_refuses_a_minus_sign(typed: str) -> None:
    assert_invalid(parse_amount(typed), "Please write the amount without a minus sign, for example 30000.")


@pytest.mark.parametrize("typed", ["30000.505", "30.000", "0.001"])
def test_amount_refuses_more_than_two_decimals(typed: str) -> None:
    assert_invalid(parse_amount(typed),
                   "Please write at most two digits after the decimal point, for example 30000.50.")


@pytest.mark.parametrize("typed", ["10000000000.01", "200亿", "1万亿", "9" * 99])
def test_amount_refuses_absurdly_large_sums(typed: str) -> None:
    assert_invalid(parse_amount(typed),
                   "That amount looks too large. Please check the number of zeros, for example 30000 or 3万.")


def test_amount_takes_the_largest_sensible_sum() -> None:
    assert parse_amount("100亿") == 10**12


def test_amount_is_an_exact_integer_never_a_float() -> None:
    fen = parse_amount("0.29")
    assert fen == 29 and type(fen) is int  # float(0.29) * 100 is 28.999999999999996


# --- phones -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "138.0013.8000",
    "(138) 0013 8000",
    "+86 138 0013 8000",
    "+8613800138000",
    "0086 138 0013 8000",
    "86 138 0013 8000",
    "(+86) 138 0013 8000",
    "１３８００１３８０００",
    "＋８６ １３８－００１３－８０００",
    "༡༣༨ ༠༠༡༣ ༨༠༠༠",
    "  13800138000  ",
])
def test_phone_accepts_a_mobile_written_any_way(typed: str) -> None:
    assert parse_phone(typed) == "+8613800138000"


@pytest.mark.parametrize(("typed", "expected"), [
    ("010-1234 5678", "+861012345678"),
    ("(010) 12345678", "+861012345678"),
    ("+86 10 1234 5678", "+861012345678"),
    ("+86 (0)10 1234 5678", "+861012345678"),
    ("86 10 1234 5678", "+861012345678"),
    ("021-8765 4321", "+862187654321"),
    ("0891-6123456", "+868916123456"),
    ("0891 61234567", "+8689161234567"),
    ("༠༨༩༡ ༦༡༢༣༤༥༦", "+868916123456"),
])
def test_phone_accepts_a_landline_with_area_code_and_drops_the_trunk_zero(typed: str, expected: str) -> None:
    assert parse_phone(typed) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("+44 20 7946 0958", "+442079460958"),
    ("+44 (0)20 7946 0958", "+442079460958"),
    ("0044 20 7946 0958", "+442079460958"),
    ("+1 (202) 555-0100", "+12025550100"),
    ("+977 1 4412345", "+97714412345"),
])
def test_phone_accepts_international_numbers_with_plus_or_double_zero(typed: str, expected: str) -> None:
    assert parse_phone(typed) == expected


@pytest.mark.parametrize("typed", ["110", "120", "12345", "96110", "95588", "10086", "+86 110",
                                   "400-123-4567", "800 123 4567", "1069 0000 1234"])
def test_phone_explains_that_a_service_number_is_not_a_personal_phone(typed: str) -> None:
    assert_invalid(parse_phone(typed), SERVICE_NUMBER)


@pytest.mark.parametrize("typed", ["138OO138OOO", "call 13800138000", "13800138000 ext 5",
                                   "010-12345678转123", "138#0013", "138+0013 8000"])
def test_phone_refuses_letters_and_symbols(typed: str) -> None:
    assert_invalid(parse_phone(typed), PHONE_DIGITS_ONLY)


@pytest.mark.parametrize(("typed", "count"), [
    ("138 0013 800", 10),
    ("138 0013 80000", 12),
    ("1234 5678", 8),
    ("010 1234", 7),
    ("12", 2),
])
def test_phone_with_the_wrong_number_of_digits_says_how_many_it_has(typed: str, count: int) -> None:
    result = assert_invalid(parse_phone(typed), PHONE_LENGTH)
    assert result.params == {"count": count}


def test_phone_without_area_code_asks_for_it() -> None:
    assert_invalid(parse_phone("8765 4321"),
                   "Please add the area code in front of the number, for example 010 1234 5678.")


@pytest.mark.parametrize("typed", ["+123", "+1234567890123456", "+0 123 456 789"])
def test_phone_international_needs_8_to_15_digits(typed: str) -> None:
    assert_invalid(parse_phone(typed),
                   "This international number has %(count)s digits; a complete one has 8 to 15. "
                   "Please check it, for example +44 20 7946 0958.")


@pytest.mark.parametrize("typed", ["", "  ", "\u3000"])
def test_phone_asks_for_a_number_when_nothing_was_written(typed: str) -> None:
    assert_invalid(parse_phone(typed), "Please write a phone number, for example 138 0013 8000.")


# --- e-mail -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("name@example.com", "name@example.com"),
    ("  Zhang.San@QQ.COM ", "Zhang.San@qq.com"),
    ("12345678@qq.com", "12345678@qq.com"),
    ("张三＠ＱＱ．ＣＯＭ", "张三@qq.com"),
    ("name@qq。com", "name@qq.com"),
    ("a+tips@mail.example.org", "a+tips@mail.example.org"),
])
def test_email_accepts_plausible_addresses_and_lowercases_the_domain(typed: str, expected: str) -> None:
    assert parse_email(typed) == expected


@pytest.mark.parametrize("typed", ["name", "name@qq", "@qq.com", "name@", "a@@qq.com", "a@b@qq.com",
                                   "name@qq..com", "name@.com", "name@qq.com.", "<name@qq.com>",
                                   "name@q\u200bq.com"])
def test_email_refuses_incomplete_addresses(typed: str) -> None:
    assert_invalid(parse_email(typed), EMAIL_INCOMPLETE)


def test_email_with_spaces_is_refused_with_a_suggestion_without_them() -> None:
    result = assert_invalid(parse_email("zhang san @ qq.com"),
                            "An e-mail address has no spaces. We removed them: please check the address "
                            "and send it again.")
    assert result.suggestion == "zhangsan@qq.com"


def test_email_longer_than_254_characters_is_refused() -> None:
    result = assert_invalid(parse_email("a" * 60 + "@" + "b" * 200 + ".com"),
                            "This e-mail address is %(count)s characters long; the most is %(max)s. "
                            "Please check it.")
    assert result.params == {"count": 265, "max": 254}


def test_email_asks_for_an_address_when_nothing_was_written() -> None:
    assert_invalid(parse_email(" "), "Please write an e-mail address, for example name@example.com.")


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "2026-11-03", "2026/11/3", "2026.11.3", "2026年11月3日", "2026年11月3号", "2026 年 11 月 3 日",
    "20261103", "２０２６－１１－０３", "２０２６年１１月３日", "༢༠༢༦-༡༡-༠༣", "༢༠༢༦/༡༡/༣", "2026-11-03.",
    "3 November 2026", "3 Nov 2026", "3rd of November 2026", "November 3, 2026", "nov. 3 2026",
])
def test_date_accepts_a_full_date_in_year_first_chinese_and_english_forms(typed: str) -> None:
    assert parse_date(typed, TODAY) == {"date": "2026-11-03"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026年10月", {"month": "2026-10"}),
    ("2026-10", {"month": "2026-10"}),
    ("2026/10", {"month": "2026-10"}),
    ("2026年10月份", {"month": "2026-10"}),
    ("10/2026", {"month": "2026-10"}),
    ("Oct 2026", {"month": "2026-10"}),
    ("October 2026", {"month": "2026-10"}),
    ("2025年", {"year": "2025"}),
    ("2025", {"year": "2025"}),
    ("༢༠༢༥", {"year": "2025"}),
    ("2026-11", {"month": "2026-11"}),  # the current month is not the future
    ("2026", {"year": "2026"}),
])
def test_date_accepts_only_a_month_or_a_year_when_that_is_all_one_remembers(typed: str, expected: dict) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("today", "2026-11-20"), ("Today", "2026-11-20"), ("今天", "2026-11-20"), ("དེ་རིང་", "2026-11-20"),
    ("དེ་རིང", "2026-11-20"), ("yesterday", "2026-11-19"), ("昨天", "2026-11-19"),
    ("ཁ་སང་", "2026-11-19"), ("ཁ་སང།", "2026-11-19"), ("day before yesterday", "2026-11-18"),
    ("the day before yesterday", "2026-11-18"), ("前天", "2026-11-18"), ("大前天", "2026-11-17"),
])
def test_date_understands_today_and_yesterday_in_three_languages(typed: str, expected: str) -> None:
    assert parse_date(typed, TODAY) == {"date": expected}


def test_date_yesterday_on_new_years_day_is_last_year() -> None:
    assert parse_date("昨天", datetime.date(2027, 1, 1)) == {"date": "2026-12-31"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("上个月", {"month": "2026-10"}), ("last month", {"month": "2026-10"}), ("本月", {"month": "2026-11"}),
    ("去年", {"year": "2025"}), ("ན་ནིང་", {"year": "2025"}), ("今年", {"year": "2026"}),
    ("ད་ལོ་", {"year": "2026"}),
])
def test_date_understands_last_month_and_last_year(typed: str, expected: dict) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("ཟླ་བ་སྔོན་མ།", {"month": "2026-10"}), ("ཟླ་བ་སྔོན་མ", {"month": "2026-10"}),
    ("ཟླ་བ་གོང་མ།", {"month": "2026-10"}), ("ཟླ་བ་འདི།", {"month": "2026-11"}), ("ཟླ་བ་འདིར", {"month": "2026-11"}),
])
def test_date_understands_last_month_and_this_month_in_tibetan(typed: str, expected: dict) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", [
    "སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་པའི་ཚེས་3", "སྤྱི་ལོ་༢༠༢༦ ཟླ་བ་བཅུ་པའི་ཚེས་༣", "སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་པའི་ཚེས་གསུམ།",
    "སྤྱི་ལོ་2026 ལོའི་ཟླ་བ་བཅུ་པའི་ཚེས་3", "2026 ལོའི་ཟླ་༡༠ཚེས་3", "ལོ་2026 ཟླ་10 ཚེས་3",
    "སྤྱི་ལོ་2026 ཟླ་བ་10 ཚེས་3 ལ",
])
def test_date_reads_a_spelled_out_tibetan_date(typed: str) -> None:
    assert parse_date(typed, TODAY) == {"date": "2026-10-03"}


@pytest.mark.parametrize(("typed", "month"), [
    ("ཟླ་བ་དང་པོ", 1), ("ཟླ་བ་གཉིས་པ", 2), ("ཟླ་བ་གསུམ་པ", 3), ("ཟླ་བ་བཞི་པ", 4), ("ཟླ་བ་ལྔ་པ", 5),
    ("ཟླ་བ་དྲུག་པ", 6), ("ཟླ་བ་བདུན་པ", 7), ("ཟླ་བ་བརྒྱད་པ", 8), ("ཟླ་བ་དགུ་པ", 9), ("ཟླ་བ་བཅུ་པ", 10),
    ("ཟླ་བ་བཅུ་གཅིག་པ", 11), ("ཟླ་བ་བཅུ་གཉིས་པ", 12),
])
def test_date_reads_every_tibetan_month_word(typed: str, month: int) -> None:
    assert parse_date(f"སྤྱི་ལོ་2025 {typed}", TODAY) == {"month": f"2025-{month:02d}"}
    assert parse_date(f"སྤྱི་ལོ་2025 {typed}འི་ཚེས་1", TODAY) == {"date": f"2025-{month:02d}-01"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("ཟླ་བ་བཅུ་པའི་ཚེས་3", {"date": "2026-10-03"}),
    ("ཟླ་བ་བཅུ་གཅིག་པའི་ཚེས་བཅོ་ལྔ", {"date": "2026-11-15"}),
    ("ཟླ་བ་བཅུ་གཉིས་པ", {"month": "2025-12"}),  # not yet this year, so last December
    ("ཟླ་བ་དང་པོའི་ཚེས་ཉེར་གཅིག", {"date": "2026-01-21"}),
    ("སྤྱི་ལོ་2025", {"year": "2025"}),
    ("སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་པ", {"month": "2026-10"}),
])
def test_date_in_tibetan_without_a_day_or_a_year(typed: str, expected: dict) -> None:
    assert parse_date(typed, TODAY) == expected


def test_date_in_tibetan_is_checked_against_the_calendar_and_today() -> None:
    assert_invalid(parse_date("སྤྱི་ལོ་2026 ཟླ་བ་གཉིས་པའི་ཚེས་སུམ་ཅུ", TODAY), NOT_IN_CALENDAR)
    assert_invalid(parse_date("སྤྱི་ལོ་2026 ཟླ་བ་བཅུ་གསུམ་པ", TODAY), NOT_IN_CALENDAR)
    assert_invalid(parse_date("སྤྱི་ལོ་2027 ཟླ་བ་གཉིས་པ", TODAY), FUTURE_DATE)


@pytest.mark.parametrize("typed", ["ཟླ་བ་གསུམ", "ཚེས་3", "ཟླ་བ་བཅུ་པའི་ཚེས", "སྤྱི་ལོ", "ཟླ་བ་བཅུ་པ་2026"])
def test_date_in_tibetan_that_is_not_a_date_asks_again(typed: str) -> None:
    # ཟླ་བ་གསུམ alone is "three months", not "the third month".
    result = parse_date(typed, TODAY)
    assert isinstance(result, Invalid) and result.message.startswith("Please write the date as year-month-day")


def test_date_last_month_in_january_is_december_of_last_year() -> None:
    assert parse_date("上个月", datetime.date(2027, 1, 15)) == {"month": "2026-12"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("11月3日", {"date": "2026-11-03"}),
    ("11月3号", {"date": "2026-11-03"}),
    ("12月25日", {"date": "2025-12-25"}),  # not yet this year, so last Christmas
    ("3 November", {"date": "2026-11-03"}),
    ("December 25", {"date": "2025-12-25"}),
    ("10月", {"month": "2026-10"}),
    ("12月", {"month": "2025-12"}),
])
def test_date_without_a_year_is_the_most_recent_one_already_past(typed: str, expected: dict) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("13/11/2026", "2026-11-13"),  # only a day can be 13
    ("11/13/2026", "2026-11-13"),
    ("5/5/2026", "2026-05-05"),
])
def test_date_with_day_and_month_first_is_taken_only_when_unambiguous(typed: str, expected: str) -> None:
    assert parse_date(typed, TODAY) == {"date": expected}


def test_date_with_day_and_month_that_could_be_swapped_asks_for_the_year_first() -> None:
    result = assert_invalid(parse_date("3/11/2026", TODAY),
                            "We cannot tell which number is the day and which is the month. "
                            "Please write the year first, for example %(example)s.")
    assert result.params["example"] == "2026-11-20"


@pytest.mark.parametrize("typed", ["2026-11-21", "2026年11月21日", "2027-01-01",
                                   "2027", "2027年3月", "2026-12", "21 November 2026"])
def test_date_in_the_future_is_refused_including_next_year(typed: str) -> None:
    result = assert_invalid(parse_date(typed, TODAY), FUTURE_DATE)
    assert result.params == {"today": "2026-11-20"}


def test_date_tomorrow_computed_from_today_is_refused() -> None:
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert_invalid(parse_date(tomorrow.isoformat(), TODAY), FUTURE_DATE)
    assert_invalid(parse_date(str(TODAY.year + 1), TODAY), FUTURE_DATE)


@pytest.mark.parametrize(("typed", "date"), [
    ("2026-02-30", "2026-02-30"),
    ("2025年2月29日", "2025-02-29"),
    ("2026-04-31", "2026-04-31"),
    ("2026-13", "2026-13"),
    ("2026-00-10", "2026-00-10"),
    ("32/13/2026", "2026-13-32"),
])
def test_date_that_does_not_exist_is_refused(typed: str, date: str) -> None:
    result = assert_invalid(parse_date(typed, TODAY), NOT_IN_CALENDAR)
    assert result.params == {"date": date}


def test_date_on_a_real_leap_day_is_accepted() -> None:
    assert parse_date("2024-02-29", TODAY) == {"date": "2024-02-29"}


@pytest.mark.parametrize("typed", ["1899", "1899-12-31", "0026-11-03"])
def test_date_before_1900_is_refused(typed: str) -> None:
    assert_invalid(parse_date(typed, TODAY),
                   "The year %(year)s looks too early. Please check it: we take dates from 1900 on.")


@pytest.mark.parametrize("typed", ["", "hello", "last week", "26/11/3", "Smarch 2026", "2026-11-03-04",
                                   "明天"])
def test_date_not_understood_asks_for_year_month_day_with_examples_from_today(typed: str) -> None:
    result = assert_invalid(parse_date(typed, TODAY), DATE_FORMAT)
    assert result.params == {"example": "2026-11-20", "example_month": "2026-11"}


# --- free text --------------------------------------------------------------------------------

def test_text_keeps_emoji_tibetan_chinese_and_markup_exactly_as_written() -> None:
    story = ("བཀྲ་ཤིས་བདེ་ལེགས། ང་ལ་ཁ་པར་བཏང་བྱུང་། 👨\u200d👩\u200d👧 🙏🏽 ❤️ "
             "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F "
             "有人说我中奖了 <script>alert(1)</script> & \"quotes\"")
    assert clean_text(story, max_chars=1000) == story


def test_text_keeps_zero_width_non_joiner_which_scripts_need() -> None:
    assert clean_text("می\u200cخواهم", max_chars=100) == "می\u200cخواهم"


def test_text_is_trimmed_and_line_endings_are_unified() -> None:
    assert clean_text("  \u3000first\r\nsecond\rthird\n  ", max_chars=100) == "first\nsecond\nthird"


def test_text_keeps_two_blank_lines_but_collapses_more() -> None:
    assert clean_text("a\n\n\nb", max_chars=100) == "a\n\n\nb"
    assert clean_text("a\n\n\n\n\n\n  \n\nb", max_chars=100) == "a\n\n\nb"


def test_text_is_composed_to_nfc() -> None:
    assert clean_text("e\u0301", max_chars=10) == "\u00e9"


def test_text_with_a_right_to_left_override_is_refused_with_the_cleaned_text_to_check() -> None:
    result = assert_invalid(clean_text("I paid \u202e0001\u202c yuan \r\n", max_chars=100), HIDDEN_CHARACTERS)
    assert result.suggestion == "I paid 0001 yuan"
    assert result.params == {}


@pytest.mark.parametrize("hidden", ["\u202a", "\u202b", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069",
                                    "\u200e", "\u200f", "\u061c", "\u200b", "\ufeff", "\x00", "\x07",
                                    "\x1b", "\x0b", "\x7f", "\x85", "\U000E0041", "\ud800"])
def test_text_with_any_invisible_control_or_format_character_is_refused(hidden: str) -> None:
    result = assert_invalid(clean_text(f"my{hidden} son", max_chars=100), HIDDEN_CHARACTERS)
    assert result.suggestion == "my son"


def test_text_of_100_kb_is_refused_with_its_length_and_never_truncated() -> None:
    result = assert_invalid(clean_text("骗" * 100_000, max_chars=4000), TOO_LONG)
    assert result.params == {"count": 100_000, "max": 4000}
    assert result.suggestion is None


def test_text_exactly_at_the_limit_is_accepted() -> None:
    assert clean_text(" " + "x" * 10 + " ", max_chars=10) == "x" * 10


def test_text_empty_is_fine_when_the_answer_is_optional() -> None:
    assert clean_text("", max_chars=10) == ""
    assert clean_text(" \n\t\u3000", max_chars=10) == ""


def test_text_empty_is_refused_when_the_answer_is_needed() -> None:
    assert_invalid(clean_text("   ", max_chars=100, min_chars=1), "This answer is needed. Please write it here.")


def test_text_too_short_says_how_much_is_needed() -> None:
    result = assert_invalid(clean_text("  hi  ", max_chars=100, min_chars=10),
                            "Please write a little more: at least %(min)s characters (you wrote %(count)s).")
    assert result.params == {"count": 2, "min": 10}


# --- matching ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("中国平安保险（集团）", " 中国 平安-保险(集团) "),
    ("ＡＢＣ Health Co., Ltd.", "abc health co ltd"),
    ("Straße", "STRASSE"),
    ("+86 138-0013-8000", "+86 ༡༣༨ ༠༠༡༣ ༨༠༠༠"),
    ("བཀྲ་ཤིས་བདེ་ལེགས།", "བཀྲ་ཤིས་བདེ་ལེགས"),
    ("养老\u200b公寓", "养老公寓"),
])
def test_match_key_is_the_same_for_the_same_name_written_differently(a: str, b: str) -> None:
    assert normalize_for_match(a) == normalize_for_match(b)


def test_match_key_still_tells_different_names_apart() -> None:
    assert normalize_for_match("平安养老") != normalize_for_match("平安保险")
    assert normalize_for_match("13800138000") != normalize_for_match("13800138001")


# --- the messages themselves ------------------------------------------------------------------

def _parser_modules() -> list[ast.Module]:
    """The source of every module of the answers package, parsed."""
    return [ast.parse(inspect.getsource(importlib.import_module(f"{answers.__name__}.{info.name}")))
            for info in pkgutil.iter_modules(answers.__path__)]


def _message_literals() -> list[str]:
    return [
        node.args[0].value
        for tree in _parser_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
        if isinstance(node.args[0], ast.Constant)
    ]


def test_every_message_is_a_literal_babel_can_extract() -> None:
    calls = [n for tree in _parser_modules() for n in ast.walk(tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "N_"]
    assert calls
    assert all(len(c.args) == 1 and isinstance(c.args[0], ast.Constant) and isinstance(c.args[0].value, str)
               for c in calls)


def test_every_invalid_is_built_from_an_n_call_or_a_constant_holding_one() -> None:
    for tree in _parser_modules():
        constants = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Call) and getattr(n.value.func, "id", None) == "N_"
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Invalid":
                first = node.args[0]
                assert (isinstance(first, ast.Call) and getattr(first.func, "id", None) == "N_") or (
                    isinstance(first, ast.Name) and first.id in constants), ast.unparse(node)


@pytest.mark.parametrize("message", _message_literals())
def test_every_message_is_a_kind_sentence_with_only_named_placeholders(message: str) -> None:
    assert message[0].isupper() and message.endswith(".")
    assert not re.search(r"%(?!\(\w+\)s)", message)  # only %(name)s, never a bare %
    assert "invalid" not in message.lower() and "error" not in message.lower()
