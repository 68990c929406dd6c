"""Chinese commercial cryptography (商用密码): SM3 hashing and HMAC, PBKDF2-HMAC-SM3, SM4-GCM.

Everything goes through the ``cryptography`` package (OpenSSL underneath); nothing here
is a pure-Python cipher. ``sm3_available()`` tells whether the platform's OpenSSL has SM3.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

SM4_KEY_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16


class DecryptionError(Exception):
    """The ciphertext, its tag or its associated data do not match the key."""


def sm3_available() -> bool:
    """Whether SM3 (and so HMAC-SM3 and PBKDF2-HMAC-SM3) works on this platform."""
    try:
        return sm3(b"abc").hex() == (
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        )
    except UnsupportedAlgorithm:
        return False


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = _hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def pbkdf2_sm3(password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
    return PBKDF2HMAC(hashes.SM3(), length, salt, iterations).derive(password)


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes:
    """Encrypt with SM4-GCM; returns nonce ‖ ciphertext ‖ tag."""
    if len(key) != SM4_KEY_BYTES:
        raise ValueError("SM4 keys are 16 bytes")
    nonce = os.urandom(GCM_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + ciphertext + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, associated_data: bytes = b"") -> bytes:
    """Decrypt nonce ‖ ciphertext ‖ tag; raises DecryptionError if anything was altered."""
    if len(key) != SM4_KEY_BYTES:
        raise ValueError("SM4 keys are 16 bytes")
    if len(blob) < GCM_NONCE_BYTES + GCM_TAG_BYTES:
        raise DecryptionError("ciphertext too short")
    nonce, body, tag = (
        blob[:GCM_NONCE_BYTES],
        blob[GCM_NONCE_BYTES:-GCM_TAG_BYTES],
        blob[-GCM_TAG_BYTES:],
    )
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as error:
        raise DecryptionError("authentication failed") from error
