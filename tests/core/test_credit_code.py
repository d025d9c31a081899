"""The unified social credit code check (GB 32100): real codes of well-known companies pass,
a changed character or a character outside the alphabet fails."""

from __future__ import annotations

import pytest

from wxcomponent.core.credit_code import ALPHABET, check_character, is_credit_code

#: Codes published by the companies themselves.
PUBLISHED = ("91440300708461136T", "91110000600037341L", "91350100M000100Y43")


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_pass(code: str) -> None:
    assert is_credit_code(code)
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", PUBLISHED)
def test_any_other_check_character_fails(code: str) -> None:
    for other in ALPHABET.replace(code[17], ""):
        assert not is_credit_code(code[:17] + other)


@pytest.mark.parametrize("value", [
    "", "9144030070846113", "91440300708461136T0", "91440300708461136t", "914403007084611I6T",
    "91A40300708461136T", 91440300708461136, None,
])
def test_malformed_values_fail(value: object) -> None:
    assert not is_credit_code(value)


def test_the_alphabet_leaves_out_letters_that_look_like_others() -> None:
    assert len(ALPHABET) == 31 and not set("IOZSV") & set(ALPHABET)
    with pytest.raises(ValueError):
        check_character("914403007084611I6")
