"""The unified social credit code of Chinese organisations (统一社会信用代码, GB 32100-2015):
18 characters of a 31-character alphabet, the last a check character computed from the other
17. Fast registration and trial verification take only this code.

Internal module.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "check_character", "is_credit_code"]

#: The code's alphabet: digits and upper-case letters without I, O, Z, S and V; a character's
#: value is its position.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_MODULUS = len(ALPHABET)
#: The weight of each of the first 17 characters: 3 to the power of its position, mod 31.
_WEIGHTS = tuple(pow(3, i, _MODULUS) for i in range(17))


def check_character(body: str) -> str:
    """The check character of the first 17 characters ``body`` (all of :data:`ALPHABET`):
    31 minus the weighted sum mod 31, where 31 stands for 0."""
    if len(body) != 17 or any(c not in ALPHABET for c in body):
        raise ValueError("the body is 17 characters of the code's alphabet")
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return ALPHABET[(_MODULUS - total % _MODULUS) % _MODULUS]


def is_credit_code(value: object) -> bool:
    """Whether ``value`` is a well-formed unified social credit code: 18 characters of
    :data:`ALPHABET`, the administrative division code (characters 3 to 8) in digits, and the
    right check character."""
    if not isinstance(value, str) or len(value) != 18:
        return False
    if any(c not in ALPHABET for c in value) or not value[2:8].isdigit():
        return False
    return check_character(value[:17]) == value[17]
