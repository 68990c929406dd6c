"""Citizen identity numbers (公民身份号码) as defined by GB 11643-1999.

Eighteen characters: a 6-digit address code, the birth date as YYYYMMDD, a 3-digit
sequence number and a check character computed with ISO 7064 MOD 11-2 (0-9 or X).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]")
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    if not _SHAPE.fullmatch(value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return check_character(value[:17]) == value[17]


def validate_id_number(value: str) -> None:
    """Model/form validator; expects the value upper-cased (x written as X)."""
    if value and not is_valid_id_number(value):
        raise ValidationError(
            _(
                "This is not a valid citizen identity number. Enter all 18 characters as "
                "printed on the card; the last one may be X."
            ),
            code="invalid_id_number",
        )
