"""Chinese commercial cryptography (商用密码): SM3 hashing and HMAC, PBKDF2-HMAC-SM3, SM4-GCM.

Everything goes through the ``cryptography`` package (OpenSSL underneath); nothing here
is a pure-Python cipher. ``sm3_available()`` and ``sm4_gcm_available()`` tell whether the
platform's OpenSSL has the algorithms and gives the published answers: some distributions
(the RHEL family among them) build OpenSSL without SM2/SM3/SM4.
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


def sm4_gcm_available() -> bool:
    """Whether SM4-GCM works here and gives the RFC 8998 (Appendix A.1) answer."""
    try:
        return _sm4_gcm_seal(_KAT_KEY, _KAT_NONCE, _KAT_PLAINTEXT, _KAT_AAD) == _KAT_SEALED
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
    return nonce + _sm4_gcm_seal(key, nonce, plaintext, associated_data)


def _sm4_gcm_seal(key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Ciphertext ‖ tag under a given nonce (a nonce must never repeat under one key)."""
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext + encryptor.tag


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


# RFC 8998 Appendix A.1: the published SM4-GCM example.
_KAT_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
_KAT_NONCE = bytes.fromhex("00001234567800000000abcd")
_KAT_AAD = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
_KAT_PLAINTEXT = bytes.fromhex(
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
    "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
)
_KAT_SEALED = bytes.fromhex(
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
    "83de3541e4c2b58177e065a9bf7b62ec"
)
