import base64
import logging
import stat

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from shuzheng.core.crypto import keys, sm2
from shuzheng.core.crypto.fields import EncryptedTextField
from shuzheng.core.crypto.sm3 import blind_index, sm3_hex
from shuzheng.core.crypto.sm4 import DecryptionError, decrypt_text, encrypt_text, key_id_of

OLD_KEY = "old:000102030405060708090a0b0c0d0e0f"
NEW_KEY = "new:f0e0d0c0b0a090807060504030201000"


@pytest.fixture
def key_ring(settings):
    """Point the key ring at a setting and forget parsed rings before and after."""

    def use(spec: str) -> None:
        settings.SHUZHENG_FIELD_KEYS = spec
        keys._parse.cache_clear()

    use(OLD_KEY)
    yield use
    keys._parse.cache_clear()


# --- SM3 (GB/T 32905 appendix A) ------------------------------------------------------------------------


def test_sm3_vectors():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


# --- SM4 (GB/T 32907 appendix A) ------------------------------------------------------------------------


def test_sm4_ecb_vector():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305  # the standard's vector
    assert (encryptor.update(key) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_field_round_trip(key_ring):
    field = EncryptedTextField()
    stored = field.get_prep_value("440785199003070253")
    assert stored.startswith("sm4gcm$old$")
    assert "440785" not in stored
    assert field.get_prep_value("440785199003070253") != stored  # fresh nonce each time
    assert field.from_db_value(stored, None, connection) == "440785199003070253"
    assert field.to_python(stored) == "440785199003070253"
    assert field.to_python("plain") == "plain"
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, connection) is None
    assert decrypt_text(encrypt_text("张三丰")) == "张三丰"


def test_tampering_is_detected(key_ring):
    stored = encrypt_text("13812345678")
    prefix, key_id, payload = stored.split("$")
    blob = bytearray(base64.b64decode(payload))
    blob[14] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt_text(f"{prefix}${key_id}${base64.b64encode(bytes(blob)).decode()}")
    key_ring(f"{OLD_KEY},{OLD_KEY.replace('old:', 'other:')}")  # same key bytes under another id
    with pytest.raises(DecryptionError):  # the key id is authenticated data: no swapping labels
        decrypt_text(stored.replace("$old$", "$other$"))
    for broken in ("sm4gcm$old$", "sm4gcm$old$@@@", "sm4gcm$old$AAAA", "plain text", "sm4gcm$nokey$AAAA"):
        with pytest.raises(DecryptionError):
            decrypt_text(broken)


def test_key_rotation(key_ring):
    old_value = encrypt_text("440785199003070253")
    old_index = blind_index("440785199003070253")
    assert key_id_of(old_value) == "old"

    key_ring(f"{NEW_KEY},{OLD_KEY}")
    new_value = encrypt_text("440785199003070253")
    assert key_id_of(new_value) == "new"
    assert decrypt_text(old_value) == decrypt_text(new_value) == "440785199003070253"
    assert blind_index("440785199003070253") == old_index  # lookups survive rotation

    key_ring(NEW_KEY)  # the old key retired: its values can no longer be read
    with pytest.raises(DecryptionError):
        decrypt_text(old_value)


def test_blind_index_is_stable_and_keyed(key_ring):
    first = blind_index("11010519491231002x")
    assert first == blind_index(" 11010519491231002X ")  # normalised
    assert len(first) == 64
    assert first != sm3_hex(b"11010519491231002X")
    assert blind_index("11010519491231002X") != blind_index("110105194912310021")
    key_ring(NEW_KEY)
    assert blind_index("11010519491231002X") != first  # a different index key


def test_bad_key_ring(key_ring):
    for spec in ("", "k:nothex", "k:0011", ":00112233445566778899aabbccddeeff"):
        key_ring(spec)
        with pytest.raises(ImproperlyConfigured):
            keys.current_key()


# --- SM2 (GB/T 32918.5 appendix A, the recommended curve) ----------------------------------------------

STANDARD_PRIVATE = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
STANDARD_PUBLIC = (
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
STANDARD_SIGNATURE = (
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
)
STANDARD_NONCE = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
MESSAGE = b"message digest"


def test_sm2_standard_example_verifies():
    assert sm2.verify(MESSAGE, STANDARD_SIGNATURE, STANDARD_PUBLIC)
    assert sm2.verify(MESSAGE, STANDARD_SIGNATURE.lower(), "04" + STANDARD_PUBLIC)
    assert not sm2.verify(b"message digesT", STANDARD_SIGNATURE, STANDARD_PUBLIC)
    assert not sm2.verify(MESSAGE, STANDARD_SIGNATURE, STANDARD_PUBLIC, user_id=b"ALICE123@YAHOO.COM")


def test_sm2_standard_intermediate_values():
    assert sm2.public_key_of(STANDARD_PRIVATE) == STANDARD_PUBLIC.lower()
    # Z_A and e as printed in the standard's worked example.
    assert (
        sm2.z_value(STANDARD_PUBLIC).hex()
        == "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
    )
    e = sm2.message_digest(MESSAGE, STANDARD_PUBLIC)
    assert f"{e:064x}" == "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"
    signature = sm2._sign_digest(e, int(STANDARD_PRIVATE, 16), STANDARD_NONCE)
    assert signature is not None
    r, s = signature
    assert f"{r:064X}{s:064X}" == STANDARD_SIGNATURE


def test_sm2_round_trip_with_fresh_keys():
    private_key, public_key = sm2.generate_keypair()
    assert len(private_key) == 64
    assert len(public_key) == 128
    signature = sm2.sign(b"\xe5\x8a\x9e\xe4\xbb\xb6 2025-0001", private_key)
    assert len(signature) == 128
    assert sm2.verify(b"\xe5\x8a\x9e\xe4\xbb\xb6 2025-0001", signature, public_key)
    assert sm2.sign(b"x", private_key) != sm2.sign(b"x", private_key)  # a fresh nonce per signature
    _other_private, other_public = sm2.generate_keypair()
    assert not sm2.verify(b"\xe5\x8a\x9e\xe4\xbb\xb6 2025-0001", signature, other_public)
    custom = sm2.sign(b"x", private_key, user_id=b"enping@440785")
    assert sm2.verify(b"x", custom, public_key, user_id=b"enping@440785")
    assert not sm2.verify(b"x", custom, public_key)


@pytest.mark.parametrize(
    ("signature", "public_key"),
    [
        ("", STANDARD_PUBLIC),
        ("zz" * 64, STANDARD_PUBLIC),
        ("00" * 64, STANDARD_PUBLIC),  # r = s = 0 is out of range
        (f"{sm2.N:064x}" + STANDARD_SIGNATURE[64:], STANDARD_PUBLIC),  # r = n is out of range
        (STANDARD_SIGNATURE, STANDARD_PUBLIC[:-2] + "14"),  # not a point on the curve
        (STANDARD_SIGNATURE, "nothex"),
    ],
)
def test_sm2_rejects_malformed_input(signature, public_key):
    assert sm2.verify(MESSAGE, signature, public_key) is False


def test_sm2_rejects_bad_private_keys():
    for bad in ("", "zz", "00", f"{sm2.N - 1:064x}"):
        with pytest.raises(sm2.InvalidKeyError):
            sm2.sign(b"x", bad)


def test_platform_signer_uses_the_configured_key(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.SHUZHENG_SM2_PRIVATE_KEY = STANDARD_PRIVATE
    signer = sm2.platform_signer()
    assert signer.public_key_hex == STANDARD_PUBLIC.lower()
    assert signer.verify(MESSAGE, STANDARD_SIGNATURE)
    assert signer.verify(b"receipt", signer.sign(b"receipt"))
    assert not (tmp_path / sm2.DEMO_KEY_FILE).exists()
    settings.SHUZHENG_SM2_PRIVATE_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured):
        sm2.platform_signer()


def test_platform_signer_demo_key(settings, tmp_path, caplog):
    settings.DATA_DIR = tmp_path / "var"
    settings.SHUZHENG_SM2_PRIVATE_KEY = ""
    sm2._warned_paths.clear()
    with caplog.at_level(logging.WARNING, logger="shuzheng.core.crypto.sm2"):
        first = sm2.platform_signer()
        second = sm2.platform_signer()
    key_file = tmp_path / "var" / sm2.DEMO_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first.private_key_hex
    assert second.public_key_hex == first.public_key_hex
    assert sm2.verify(b"demo", first.sign(b"demo"), second.public_key_hex)
    assert len([r for r in caplog.records if "sm2.demo_key" in r.getMessage()]) == 1
