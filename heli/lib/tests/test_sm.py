"""SM3, HMAC-SM3, PBKDF2-HMAC-SM3 and SM4-GCM against published answers and their definitions."""

from __future__ import annotations

import math

import pytest

from heli.lib import sm


def test_sm3_gbt32905_vectors() -> None:
    # GB/T 32905-2016 Appendix A: examples 1 ("abc") and 2 ("abcd" x 16, 512 bits).
    assert sm.sm3(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert sm.sm3(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )
    assert sm.sm3_available()


# GM/T 0042-2015 Appendix D.3, as carried in OpenSSL's test/recipes/30-test_evp_data/
# evpmac_sm3.txt; the last one is Bouncy Castle's HMacTest "Hi There" with a 20-byte key.
HMAC_SM3_VECTORS = [
    (
        bytes(range(1, 33)),
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a",
    ),
    (
        bytes(range(1, 38)),
        b"\xcd" * 50,
        "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae",
    ),
    (
        b"\x0b" * 32,
        b"Hi There",
        "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e",
    ),
    (
        b"Jefe Jeferson Jr",
        b"what do ya want for nothing?",
        "ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c",
    ),
    (
        b"\x0b" * 20,
        b"Hi There",
        "51b00d1fb49832bfb01c3ce27848e59f871d9ba938dc563b338ca964755cce70",
    ),
]


@pytest.mark.parametrize(("key", "message", "expected"), HMAC_SM3_VECTORS)
def test_hmac_sm3_published_vectors(key: bytes, message: bytes, expected: str) -> None:
    assert sm.hmac_sm3(key, message).hex() == expected


def hmac_sm3_by_definition(key: bytes, message: bytes) -> bytes:
    """RFC 2104 over sm3(): block size 64 bytes."""
    if len(key) > 64:
        key = sm.sm3(key)
    key = key.ljust(64, b"\0")
    inner = sm.sm3(bytes(k ^ 0x36 for k in key) + message)
    return sm.sm3(bytes(k ^ 0x5C for k in key) + inner)


@pytest.mark.parametrize("key_length", [0, 1, 16, 63, 64, 65, 200])
def test_hmac_sm3_matches_its_definition(key_length: int) -> None:
    key = bytes((7 * i + 3) % 256 for i in range(key_length))
    for message in (b"", b"abc", "合力".encode() * 100):
        assert sm.hmac_sm3(key, message) == hmac_sm3_by_definition(key, message)


def pbkdf2_by_definition(password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """RFC 8018 section 5.2 with PRF = HMAC-SM3 written from its definition."""
    blocks = []
    for index in range(1, math.ceil(length / 32) + 1):
        u = hmac_sm3_by_definition(password, salt + index.to_bytes(4, "big"))
        block = bytearray(u)
        for _ in range(iterations - 1):
            u = hmac_sm3_by_definition(password, u)
            block = bytearray(a ^ b for a, b in zip(block, u, strict=True))
        blocks.append(bytes(block))
    return b"".join(blocks)[:length]


@pytest.mark.parametrize(("iterations", "length"), [(1, 32), (2, 32), (3, 20), (50, 64), (7, 75)])
def test_pbkdf2_sm3_matches_its_definition(iterations: int, length: int) -> None:
    password, salt = "口令 password".encode(), b"NaCl-salt-0123456"
    assert sm.pbkdf2_sm3(password, salt, iterations, length) == pbkdf2_by_definition(
        password, salt, iterations, length
    )


def test_sm4_gcm_rfc8998_vector() -> None:
    assert sm.sm4_gcm_available()
    # The same example decrypts through the public API (nonce ‖ ciphertext ‖ tag).
    blob = sm._KAT_NONCE + sm._KAT_SEALED
    assert sm.sm4_gcm_decrypt(sm._KAT_KEY, blob, sm._KAT_AAD) == sm._KAT_PLAINTEXT


def test_sm4_gcm_refuses_any_change() -> None:
    key = bytes(range(16))
    blob = sm.sm4_gcm_encrypt(key, b"13812345678", b"row 1")
    assert sm.sm4_gcm_decrypt(key, blob, b"row 1") == b"13812345678"
    with pytest.raises(sm.DecryptionError):
        sm.sm4_gcm_decrypt(key, blob, b"row 2")
    for index in (0, 12, len(blob) - 1):
        damaged = bytearray(blob)
        damaged[index] ^= 0x01
        with pytest.raises(sm.DecryptionError):
            sm.sm4_gcm_decrypt(key, bytes(damaged), b"row 1")
    with pytest.raises(sm.DecryptionError):
        sm.sm4_gcm_decrypt(bytes(16), blob, b"row 1")
    # A fresh nonce every time: the same value never gives the same ciphertext.
    assert sm.sm4_gcm_encrypt(key, b"x", b"") != sm.sm4_gcm_encrypt(key, b"x", b"")
