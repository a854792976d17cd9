"""TOTP (RFC 6238) secrets and codes, recovery codes, the QR code: no database, no audit.

A secret is 160 random bits (base32, what authenticator apps expect), stored encrypted
(Fernet: AES-128-CBC + HMAC-SHA256) under TOTP_ENCRYPTION_KEY, or a key derived from
SECRET_KEY (HKDF) when that is not set; a database copy or backup alone does not give the
secrets away. Changing the key makes every enrolled user enrol again (an admin resets).
"""
import base64
import hashlib
import hmac
import secrets
import unicodedata

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

ISSUER = "场景对接平台"
STEP = 30  # seconds per code
WINDOW = 1  # steps either side accepted, for clocks a little off
# Recovery codes: 16 characters of 31 that are not easily confused (no 0 o 1 l i), ~79 bits.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 16
RECOVERY_COUNT = 10


class UnreadableSecret(Exception):
    """The stored secret does not open with the current key (the key was changed)."""


def new_secret() -> str:
    return pyotp.random_base32()


def _fernet() -> Fernet:
    key = current_app.config.get("TOTP_ENCRYPTION_KEY")
    if not key:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"marketplace totp secrets").derive(
            current_app.config["SECRET_KEY"].encode("utf-8"))
        key = base64.urlsafe_b64encode(derived)
    return Fernet(key)


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def unseal(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        raise UnreadableSecret() from None


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as an SVG element for the page itself (no image service, no script)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="二次验证二维码")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def normalise(raw: str | None) -> str:
    """A code as typed: full-width digits and letters folded (NFKC), spaces and dashes
    dropped, lower case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(c for c in text if c not in " -\t").lower()[:64]


def is_totp_shape(code: str) -> bool:
    return len(code) == 6 and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, now: float, after: int | None) -> int | None:
    """The time step (within WINDOW of ``now``) whose code is ``code`` and that comes
    after ``after`` (the last step accepted: a code is never accepted twice); None when
    there is none."""
    if not is_totp_shape(code):
        return None
    totp, current = pyotp.TOTP(secret), int(now // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, now: float) -> str:
    """The code an app shows at ``now`` (for tests and the command line)."""
    return pyotp.TOTP(secret).generate_otp(int(now // STEP))


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def recovery_hash(code: str) -> str:
    """SHA-256 of the normalised code (``normalise`` drops the dashes)."""
    return hashlib.sha256(normalise(code).encode("utf-8")).hexdigest()
