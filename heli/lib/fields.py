"""Model fields whose values are stored encrypted with SM4-GCM, bound to their row.

The column holds ``sm4gcm:v1:<key id>:<base64 of nonce ‖ ciphertext ‖ tag>``. The
associated data names the format, the key id, the model, the field and the row's
``row_uid``, so a value copied to another row or another column does not decrypt, and
neither does one that was altered in any way: both raise FieldDecryptionError, never
return garbage. The empty string is stored as it is.

A model with an encrypted field needs ``row_uid = UUIDField(default=uuid4, unique=True,
editable=False)``: the primary key does not exist before the INSERT, the row_uid does
(checked by ``heli.E010``).

How values move:

- Loading stores the column text wrapped as ``Sealed`` on the instance; reading the
  attribute decrypts it once (so a list of users that never shows a phone number never
  decrypts one). ``values()`` and ``values_list()`` have no row to bind to: they return
  the Sealed ciphertext, never the plaintext.
- ``save()`` and ``bulk_create()`` encrypt through ``pre_save``, which sees the row,
  with a fresh nonce and the current key every time. A value loaded and never read is
  opened first, so only values that decrypt for this very row are ever written.
- ``QuerySet.update()`` and ``bulk_update()`` have no instance: they accept only ""
  and None, and refuse any other value with EncryptedFieldError. (An ``F()`` expression
  is compiled to SQL without asking the field: don't; reading such a row then fails.)
- ``dumpdata`` writes the plaintext (it reads the attributes); ``loaddata`` saves raw,
  without ``pre_save``, so it cannot load non-empty encrypted values.
- Ordering by an encrypted field orders by ciphertext, which means nothing.
- Lookups: only ``isnull`` and equality with "" make sense on ciphertext with a random
  nonce; every other lookup raises FieldError saying so.

``max_length`` is the plaintext length (forms and validation use it); the column is
wide enough for the ciphertext of that many four-byte characters (``stored_length``).
Do not change the format's width without a new version: existing columns were sized
by it.
"""

from __future__ import annotations

import base64
import binascii
import math
import uuid
from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Exact
from django.db.models.query_utils import DeferredAttribute
from django.utils.datastructures import DictWrapper

from heli.lib import keys
from heli.lib.sm import (
    GCM_NONCE_BYTES,
    GCM_TAG_BYTES,
    DecryptionError,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)

SCHEME = "sm4gcm"
VERSION = "v1"
ROW_UID_FIELD = "row_uid"
_KEY_ID_CHARS = 8
_HEADER_CHARS = len(f"{SCHEME}:{VERSION}:") + _KEY_ID_CHARS + 1


class EncryptedFieldError(ValueError):
    """An encrypted field was used in a way that cannot encrypt or search it."""


class FieldDecryptionError(DecryptionError):
    """A stored value does not decrypt for this row, field and the configured keys."""


class Sealed(str):
    """The stored text of an encrypted value, as read from the database."""

    __slots__ = ()


def stored_length(max_length: int) -> int:
    """Column width for the ciphertext of ``max_length`` characters (4 UTF-8 bytes each)."""
    payload = GCM_NONCE_BYTES + 4 * max_length + GCM_TAG_BYTES
    return _HEADER_CHARS + 4 * math.ceil(payload / 3)


def associated_data(key_id: str, label: str, field_name: str, row_uid: uuid.UUID) -> bytes:
    return f"{SCHEME}:{VERSION}:{key_id}|{label}|{field_name}|{row_uid}".encode()


def seal(label: str, field_name: str, row_uid: uuid.UUID, plaintext: str) -> str:
    """Encrypt ``plaintext`` for one field of one row with the current key."""
    if plaintext == "":
        return ""
    key = keys.keyring().current
    blob = sm4_gcm_encrypt(
        key.secret, plaintext.encode(), associated_data(key.key_id, label, field_name, row_uid)
    )
    return f"{SCHEME}:{VERSION}:{key.key_id}:{base64.b64encode(blob).decode('ascii')}"


def key_id_of(stored: str) -> str | None:
    """The key id a stored value names, or None if it is not in this format."""
    parts = stored.split(":", 3)
    if len(parts) == 4 and parts[0] == SCHEME and parts[1] == VERSION:
        return parts[2]
    return None


def unseal(label: str, field_name: str, row_uid: uuid.UUID, stored: str) -> str:
    """Decrypt a stored value of one field of one row; FieldDecryptionError if it can't."""
    if stored == "":
        return ""
    where = f"{label}.{field_name} (row_uid {row_uid})"
    parts = stored.split(":", 3)
    if len(parts) != 4 or parts[0] != SCHEME:
        raise FieldDecryptionError(f"{where} is not an encrypted value (expected {SCHEME}:…)")
    if parts[1] != VERSION:
        raise FieldDecryptionError(f"{where} uses format {parts[1]!r}, this code reads {VERSION}")
    key = keys.keyring().get(parts[2])
    if key is None:
        raise FieldDecryptionError(
            f"{where} was encrypted with key {parts[2]}, which is not configured: "
            "put that key in FIELD_ENCRYPTION_OLD_KEYS (or FIELD_ENCRYPTION_KEY)"
        )
    try:
        blob = base64.b64decode(parts[3], validate=True)
    except (binascii.Error, ValueError) as error:
        raise FieldDecryptionError(f"{where} is not valid base64") from error
    try:
        plaintext = sm4_gcm_decrypt(
            key.secret, blob, associated_data(key.key_id, label, field_name, row_uid)
        )
    except DecryptionError as error:
        raise FieldDecryptionError(
            f"{where} does not decrypt with key {key.key_id}: the value was altered, "
            "or copied from another row or field"
        ) from error
    try:
        return plaintext.decode()
    except UnicodeDecodeError as error:  # authenticated, so only a writer's bug gets here
        raise FieldDecryptionError(f"{where} decrypts to bytes that are not UTF-8") from error


class _DecryptingAttribute(DeferredAttribute):
    """Decrypts a Sealed value on first read, with the row_uid of the instance.

    A data descriptor (it has ``__set__``), so reads come here even when the value is
    already in the instance's ``__dict__``.
    """

    field: EncryptedCharField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = self.field.unseal_for(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


# Exact is generic only to the type checker (not subscriptable at run time).
class _EmptyOnlyExact(Exact):  # type: ignore[type-arg]
    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(_search_refused(self.lhs.output_field, "exact"))
        return super().get_prep_lookup()


def _search_refused(field: Any, lookup: str) -> str:
    return (
        f"{field.model._meta.label}.{field.name} is encrypted with a random nonce, so the "
        f"database cannot compare it ({lookup!r}): only isnull and equality with '' work. "
        "Find the rows by another field and compare in Python."
    )


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    """A CharField stored as SM4-GCM ciphertext bound to its model, field and row."""

    descriptor_class = _DecryptingAttribute
    description = "Text encrypted with SM4-GCM"

    @property
    def stored_length(self) -> int:
        if self.max_length is None:
            raise EncryptedFieldError("EncryptedCharField needs max_length (of the plaintext)")
        return stored_length(self.max_length)

    def db_type_parameters(self, connection: BaseDatabaseWrapper) -> DictWrapper[Any]:
        return DictWrapper(
            {**self.__dict__, "max_length": self.stored_length}, connection.ops.quote_name, "qn_"
        )

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        errors += self._check_row_uid()
        if self.unique or getattr(self, "db_index", False) or self.primary_key:
            errors.append(
                checks.Error(
                    "加密字段不能建唯一约束、索引或作主键：每次加密的密文都不同。"
                    " / An encrypted field cannot be unique, indexed or a primary key.",
                    obj=self,
                    id="heli.E011",
                )
            )
        return errors

    def _check_row_uid(self) -> list[checks.CheckMessage]:
        try:
            row_uid: Any = self.model._meta.get_field(ROW_UID_FIELD)
        except FieldDoesNotExist:
            row_uid = None
        if (
            isinstance(row_uid, models.UUIDField)
            and row_uid.unique
            and not row_uid.null
            and row_uid.has_default()
        ):
            return []
        return [
            checks.Error(
                f"{self.model._meta.label} 有加密字段 {self.name}，但没有行标识 {ROW_UID_FIELD}，"
                "密文无法与行绑定。",
                hint=(
                    f"在模型上加 {ROW_UID_FIELD} = models.UUIDField(default=uuid.uuid4, "
                    "unique=True, editable=False)，迁移按“加列 → 填值 → 改为唯一”三步走。"
                ),
                obj=self,
                id="heli.E010",
            )
        ]

    # --- encryption ---------------------------------------------------------------

    def _label(self) -> str:
        # The concrete model's label: a proxy reads the same rows with the same binding.
        model: Any = self.model
        return str(model._meta.concrete_model._meta.label)

    def unseal_for(self, instance: models.Model, stored: str) -> str:
        return unseal(self._label(), self.name, self._row_uid(instance), stored)

    def _row_uid(self, instance: models.Model) -> uuid.UUID:
        row_uid = getattr(instance, ROW_UID_FIELD, None)
        if not isinstance(row_uid, uuid.UUID):
            raise EncryptedFieldError(
                f"{self._label()}.{self.name} needs the row's {ROW_UID_FIELD}, which is {row_uid!r}"
            )
        return row_uid

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Reading through the descriptor opens a loaded value first. That proves it belongs
        # to this row: a Sealed value copied from another instance, or a changed row_uid,
        # fails here instead of being written where it could never be read again.
        value = getattr(model_instance, self.attname)
        if value is None:
            return None
        value = self.to_python(value)
        if value == "":
            return ""
        return Sealed(seal(self._label(), self.name, self._row_uid(model_instance), value))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or isinstance(value, Sealed):
            return None if value is None else str(value)
        if value == "":
            return ""
        raise EncryptedFieldError(
            f"{self._label()}.{self.name} is encrypted per row: set it on the instance and "
            "save() (or bulk_create()); QuerySet.update() and bulk_update() can only clear it"
        )

    # --- lookups ------------------------------------------------------------------

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(_search_refused(self, lookup_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(_search_refused(self, lookup_name))
