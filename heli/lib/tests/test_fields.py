"""Personal data fields stored SM4-GCM encrypted, bound to their row, with key rotation."""

from __future__ import annotations

import base64
import pickle
import uuid
from io import StringIO

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from heli.accounts.models import User
from heli.lib import fields, keys
from heli.lib.fields import EncryptedFieldError, FieldDecryptionError, Sealed
from heli.testing import make_user

KEY_A = "00112233445566778899aabbccddeeff"
KEY_B = base64.b64encode(bytes(range(100, 116))).decode()
PHONE = "13812345678"

pytestmark = pytest.mark.django_db


def raw(user: User, column: str = "phone") -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM accounts_user WHERE id = %s",  # noqa: S608
            [user.pk],
        )
        value: str = cursor.fetchone()[0]
    return value


def write_raw(user: User, column: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE accounts_user SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, user.pk],
        )


def test_phone_is_stored_encrypted() -> None:
    user = make_user(None, "alice", phone=PHONE)
    stored = raw(user)
    assert stored.startswith(f"sm4gcm:v1:{keys.keyring().current.key_id}:")
    assert PHONE not in stored
    assert PHONE.encode() not in base64.b64decode(stored.split(":", 3)[3])
    assert len(stored) <= User._meta.get_field("phone").stored_length
    assert User.objects.get(pk=user.pk).phone == PHONE
    assert user.phone == PHONE  # the instance that saved keeps the plaintext
    # Same number, other row: another ciphertext (fresh nonce, other row identity).
    assert raw(make_user(None, "bob", phone=PHONE)) != stored


def test_empty_value_is_stored_empty_and_searchable() -> None:
    user = make_user(None, "alice")
    assert raw(user) == "" and raw(user, "id_number") == ""
    assert User.objects.get(pk=user.pk).phone == ""
    assert list(User.objects.filter(phone="")) == [user]
    assert not User.objects.filter(phone__isnull=True).exists()


def test_longest_values_fit_their_columns() -> None:
    # max_length counts characters; four-byte ones are the widest ciphertext.
    user = make_user(None, "alice", phone="𠀀" * 30, id_number="𠀀" * 18)
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.phone, fresh.id_number) == ("𠀀" * 30, "𠀀" * 18)
    assert len(raw(user)) == fields.stored_length(30)


def test_ciphertext_copied_to_another_row_does_not_decrypt() -> None:
    alice = make_user(None, "alice", phone=PHONE)
    bob = make_user(None, "bob", phone="13900000000")
    write_raw(bob, "phone", raw(alice))
    with pytest.raises(FieldDecryptionError, match="copied from another row or field"):
        User.objects.get(pk=bob.pk).phone  # noqa: B018
    # ... nor to another column of the same row.
    write_raw(alice, "id_number", raw(alice))
    with pytest.raises(FieldDecryptionError, match=r"accounts\.User\.id_number"):
        User.objects.get(pk=alice.pk).id_number  # noqa: B018
    assert User.objects.get(pk=alice.pk).phone == PHONE


def test_tampered_ciphertext_is_refused() -> None:
    alice = make_user(None, "alice", phone=PHONE)
    stored = raw(alice)
    header, payload = stored.rsplit(":", 1)
    blob = bytearray(base64.b64decode(payload))
    for index in (0, 12, len(blob) - 1):  # nonce, ciphertext, tag
        damaged = bytearray(blob)
        damaged[index] ^= 0x01
        write_raw(alice, "phone", f"{header}:{base64.b64encode(bytes(damaged)).decode()}")
        with pytest.raises(FieldDecryptionError, match="altered"):
            User.objects.get(pk=alice.pk).phone  # noqa: B018
    cases = {
        f"{header}:{base64.b64encode(bytes(blob[:20])).decode()}": "altered",
        f"{header}:not base64!": "not valid base64",
        stored.replace("sm4gcm:v1:", "sm4gcm:v9:"): "format 'v9'",
        stored.replace(keys.keyring().current.key_id, "deadbeef"): "key deadbeef",
        PHONE: "not an encrypted value",
    }
    for value, message in cases.items():
        write_raw(alice, "phone", value)
        with pytest.raises(FieldDecryptionError, match=message):
            User.objects.get(pk=alice.pk).phone  # noqa: B018
    # The row itself still loads: only reading the broken field fails.
    assert User.objects.get(pk=alice.pk).username == "alice"


def test_changing_the_row_uid_breaks_the_binding() -> None:
    alice = make_user(None, "alice", phone=PHONE)
    User.objects.filter(pk=alice.pk).update(row_uid=uuid.uuid4())
    with pytest.raises(FieldDecryptionError):
        User.objects.get(pk=alice.pk).phone  # noqa: B018


def test_old_key_still_decrypts_and_rotation_reencrypts() -> None:
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_A):
        key_a = keys.keyring().current.key_id
        alice = make_user(None, "alice", phone=PHONE, id_number="11010519491231002X")
        bob = make_user(None, "bob", phone="13900000000")
        carol = make_user(None, "carol")
        assert raw(alice).startswith(f"sm4gcm:v1:{key_a}:")
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_B, FIELD_ENCRYPTION_OLD_KEYS=[]):
        with pytest.raises(FieldDecryptionError, match=f"key {key_a}.*FIELD_ENCRYPTION_OLD_KEYS"):
            User.objects.get(pk=alice.pk).phone  # noqa: B018
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_B, FIELD_ENCRYPTION_OLD_KEYS=[KEY_A]):
        key_b = keys.keyring().current.key_id
        assert key_b != key_a
        assert User.objects.get(pk=alice.pk).phone == PHONE  # the old key still decrypts
        bob.title = "处长"
        bob.save(update_fields=["title"])  # a save that leaves the phone alone
        assert raw(bob).startswith(f"sm4gcm:v1:{key_a}:")

        out = StringIO()
        call_command("rotate_field_key", "--batch-size", "2", stdout=out)
        assert "accounts.User（phone, id_number）：共 3 行，已重新加密 2 行。" in out.getvalue()
        for user in (alice, bob):
            assert raw(user).startswith(f"sm4gcm:v1:{key_b}:")
        assert raw(alice, "id_number").startswith(f"sm4gcm:v1:{key_b}:")
        assert raw(carol) == ""

        again = StringIO()
        call_command("rotate_field_key", stdout=again)
        assert "已重新加密 0 行" in again.getvalue()
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_B, FIELD_ENCRYPTION_OLD_KEYS=[]):
        alice = User.objects.get(pk=alice.pk)
        assert (alice.phone, alice.id_number) == (PHONE, "11010519491231002X")
        assert User.objects.get(pk=bob.pk).phone == "13900000000"


def test_rotation_dry_run_changes_nothing() -> None:
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_A):
        alice = make_user(None, "alice", phone=PHONE)
    before = raw(alice)
    with override_settings(FIELD_ENCRYPTION_KEY=KEY_B, FIELD_ENCRYPTION_OLD_KEYS=[KEY_A]):
        out = StringIO()
        call_command("rotate_field_key", "--dry-run", stdout=out)
        assert "需重新加密 1 行" in out.getvalue()
    assert raw(alice) == before


def test_saving_a_value_loaded_and_not_read_reseals_it_for_the_same_row() -> None:
    alice = make_user(None, "alice", phone=PHONE)
    stored = raw(alice)
    loaded = User.objects.get(pk=alice.pk)
    assert isinstance(loaded.__dict__["phone"], Sealed)
    loaded.full_name = "爱丽丝"
    loaded.save()
    assert raw(alice) != stored  # fresh nonce
    assert User.objects.get(pk=alice.pk).phone == PHONE
    loaded.phone = "13700000000"
    loaded.save()
    assert User.objects.get(pk=alice.pk).phone == "13700000000"


def test_a_sealed_value_moved_to_another_row_is_refused_at_save() -> None:
    alice = make_user(None, "alice", phone=PHONE)
    bob = make_user(None, "bob")
    bob.phone = User.objects.get(pk=alice.pk).__dict__["phone"]  # still sealed for alice
    with pytest.raises(FieldDecryptionError), transaction.atomic():
        bob.save()
    assert raw(bob) == ""
    moved = User.objects.get(pk=alice.pk)
    moved.row_uid = uuid.uuid4()
    with pytest.raises(FieldDecryptionError), transaction.atomic():
        moved.save()
    assert User.objects.get(pk=alice.pk).phone == PHONE


def test_deferred_and_bulk_created_values_decrypt() -> None:
    created = User.objects.bulk_create(
        [User(username=f"u{i}", phone=f"1380000000{i}") for i in range(3)]
    )
    for i, user in enumerate(created):
        assert raw(User.objects.get(username=user.username)).startswith("sm4gcm:v1:")
        assert User.objects.only("username").get(username=f"u{i}").phone == f"1380000000{i}"
    assert User.objects.defer("row_uid").get(username="u1").phone == "13800000001"


def test_values_list_gives_ciphertext_never_plaintext() -> None:
    make_user(None, "alice", phone=PHONE)
    (value,) = User.objects.values_list("phone", flat=True)
    assert isinstance(value, Sealed) and value.startswith("sm4gcm:v1:")


def test_searching_an_encrypted_field_is_refused() -> None:
    make_user(None, "alice", phone=PHONE)
    for lookup in ("phone", "phone__icontains", "phone__startswith", "phone__in"):
        value = [PHONE] if lookup.endswith("__in") else PHONE
        with pytest.raises(FieldError, match="encrypted"):
            User.objects.filter(**{lookup: value}).exists()
    with pytest.raises(FieldError, match="encrypted"):
        User.objects.filter(**{"phone__lower": "x"}).exists()
    assert User.objects.exclude(phone="").count() == 1


def test_queryset_update_cannot_encrypt() -> None:
    alice = make_user(None, "alice", phone=PHONE)
    # Like any error inside save() or update(), these spoil the transaction: savepoints.
    with pytest.raises(EncryptedFieldError, match="save"), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(phone="13700000000")
    alice.phone = "13700000000"
    with pytest.raises(EncryptedFieldError), transaction.atomic():
        User.objects.bulk_update([alice], ["phone"])
    User.objects.filter(pk=alice.pk).update(phone="")  # clearing needs no key
    assert User.objects.get(pk=alice.pk).phone == ""


def test_plaintext_length_and_id_number_are_validated() -> None:
    user = User(username="alice", phone="1" * 31, id_number="110105194912310021")
    user.set_unusable_password()
    with pytest.raises(ValidationError) as raised:
        user.full_clean()
    assert set(raised.value.message_dict) == {"phone", "id_number"}
    user.phone, user.id_number = PHONE, "11010519491231002X"
    user.full_clean()


def test_loaded_users_pickle_sealed_or_opened() -> None:
    make_user(None, "alice", phone=PHONE)
    sealed = User.objects.get(username="alice")
    assert pickle.loads(pickle.dumps(sealed)).phone == PHONE  # noqa: S301
    opened = User.objects.get(username="alice")
    assert opened.phone == PHONE
    assert pickle.loads(pickle.dumps(opened)).phone == PHONE  # noqa: S301


def test_production_refuses_the_development_key() -> None:
    with override_settings(HELI_PRODUCTION=True, FIELD_ENCRYPTION_KEY=""):
        with (
            pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"),
            transaction.atomic(),
        ):
            make_user(None, "alice", phone=PHONE)
        make_user(None, "bob")  # nothing to encrypt, no key needed
    with override_settings(HELI_PRODUCTION=True, FIELD_ENCRYPTION_KEY=KEY_A):
        assert make_user(None, "carol", phone=PHONE).phone == PHONE


@pytest.mark.parametrize(
    "text",
    [KEY_A, KEY_A.upper(), KEY_B, KEY_B.rstrip("="), f"  {KEY_A}\n"],
)
def test_keys_are_read_as_hex_or_base64(text: str) -> None:
    assert len(keys.parse_key(text, "FIELD_ENCRYPTION_KEY")) == 16


@pytest.mark.parametrize("text", ["abc", KEY_A[:-2], KEY_A + "00", "x" * 32, "密钥" * 8])
def test_bad_keys_are_refused_without_showing_them(text: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        keys.parse_key(text, "FIELD_ENCRYPTION_KEY")
    assert "FIELD_ENCRYPTION_KEY" in str(raised.value) and text not in str(raised.value)


def test_old_keys_may_come_as_one_comma_separated_string() -> None:
    with override_settings(
        FIELD_ENCRYPTION_KEY=KEY_A, FIELD_ENCRYPTION_OLD_KEYS=f"{KEY_B}, {KEY_A}"
    ):
        ring = keys.keyring()
        assert len(ring.by_id) == 2 and not ring.development
    with override_settings(FIELD_ENCRYPTION_KEY=""):
        assert keys.keyring().development


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_phones_and_reverse_decrypts() -> None:
    executor = MigrationExecutor(connection)
    target = next(
        key
        for key in executor.loader.disk_migrations
        if key[0] == "accounts" and key[1].endswith("_encrypt_phone")
    )
    (before,) = [p for p in executor.loader.graph.node_map[target].parents if p[0] == "accounts"]
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([before])
        old_apps = executor.loader.project_state(before).apps
        OldUser = old_apps.get_model("accounts", "User")
        for name, phone in (("alice", PHONE), ("bob", "010-12345678"), ("carol", "")):
            OldUser.objects.create(username=name, phone=phone)

        executor = MigrationExecutor(connection)
        executor.migrate([target])
        # Only the columns this migration knows: later ones (large_text) are not there yet.
        users = User.objects.only("username", "phone", "row_uid")
        alice, bob, carol = (users.get(username=n) for n in ("alice", "bob", "carol"))
        assert len({alice.row_uid, bob.row_uid, carol.row_uid}) == 3
        assert raw(alice).startswith("sm4gcm:v1:") and PHONE not in raw(alice)
        assert (alice.phone, bob.phone, carol.phone) == (PHONE, "010-12345678", "")
        assert raw(carol) == ""

        executor = MigrationExecutor(connection)
        executor.migrate([before])
        with connection.cursor() as cursor:
            cursor.execute("SELECT username, phone FROM accounts_user ORDER BY username")
            assert cursor.fetchall() == [("alice", PHONE), ("bob", "010-12345678"), ("carol", "")]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
