"""Citizen identity numbers (GB 11643-1999)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from heli.lib.idnumber import check_character, is_valid_id_number, validate_id_number


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014"])
def test_valid_id_numbers(value: str) -> None:
    assert is_valid_id_number(value)
    validate_id_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # wrong check character
        "11010519491231002x",  # lower-case x: upper-case it first
        "110105194902300020",  # 30 February
        "01010519491231002X",  # address codes start 1-9
        "11010519491231002",  # 17 characters
        "1101051949123100２X",  # a full-width digit
        " 11010519491231002X",
    ],
)
def test_invalid_id_numbers(value: str) -> None:
    assert not is_valid_id_number(value)
    with pytest.raises(ValidationError):
        validate_id_number(value)


def test_empty_is_left_to_blank() -> None:
    validate_id_number("")


def test_check_character_weights() -> None:
    # Every position changes the check character: a single mistyped digit is caught.
    base = "11010519491231002"
    for i in range(17):
        changed = base[:i] + str((int(base[i]) + 1) % 10) + base[i + 1 :]
        assert check_character(changed) != check_character(base)
