"""Uploaded list files kept between the web import's preview and its confirmation.

Why a stash rather than uploading the file again to confirm: a browser cannot send again a
file picked on the previous page, so the administrator would have to find it twice, and a
second upload could differ from what was previewed. Instead the previewed bytes are kept:

* under IMPORT_DIR (the instance directory by default, never served), named by 128 random
  bits (``secrets``) and the format's extension, written atomically, mode 0600;
* the preview page carries a *signed* ticket (itsdangerous, the app's secret key): the
  file's name, its SHA-256, the importing user's id, the list kind and the name the user
  gave the file. The ticket cannot be forged or moved to another user, expires after
  IMPORT_PREVIEW_MINUTES, and the hash makes sure the bytes imported are those previewed;
* a file is removed once confirmed or refused, and any file older than the time limit is
  swept whenever another is kept, so abandoned previews do not pile up.

The size limit (IMPORT_MAX_BYTES) is checked before anything is kept.
"""
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.files import write_atomically

SALT = "transfer.import-stash"
NAME_LENGTH = 32  # hex digits: 128 random bits
CLAIMED = ".claimed"


class TicketGone(Exception):
    """A genuine ticket whose file is no longer there: expired, or already used."""


class TicketInvalid(Exception):
    """A ticket that was tampered with or belongs to another user, or a kept file that is
    no longer the one previewed."""


@dataclass(frozen=True)
class Stashed:
    path: Path
    kind: str
    name: str  # the file's name as the user uploaded it


def _directory() -> Path:
    return Path(current_app.config["IMPORT_DIR"])


def _max_age() -> int:
    return current_app.config["IMPORT_PREVIEW_MINUTES"] * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def keep(user, kind: str, name: str, suffix: str, data: bytes) -> tuple[Path, str]:
    """Write ``data`` to a new file of the stash; returns its path and the signed ticket
    that brings it back for ``user`` (``take``)."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    sweep()
    path = directory / f"{secrets.token_hex(NAME_LENGTH // 2)}{suffix}"
    write_atomically(path, data, mode=0o600)
    ticket = _serializer().dumps({"file": path.name, "sha256": _digest(data),
                                  "user": user.id, "kind": kind, "name": name})
    return path, ticket


def take(user, ticket: str) -> Stashed:
    """Claim the file a ticket of ``user`` names: it is renamed first (atomic), so that of
    two confirmations of one preview only one gets it. Raises TicketGone (expired, already
    claimed) or TicketInvalid (a forged ticket, another user's, changed content)."""
    try:
        content = _serializer().loads(ticket or "", max_age=_max_age())
    except SignatureExpired:
        raise TicketGone() from None
    except BadSignature:
        raise TicketInvalid() from None
    if not isinstance(content, dict) or content.get("user") != user.id:
        raise TicketInvalid()
    path = _directory() / str(content.get("file", ""))
    if path.parent != _directory() or len(path.stem) != NAME_LENGTH:
        raise TicketInvalid()
    claimed = path.with_name(f"{path.stem}{CLAIMED}{path.suffix}")
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        raise TicketGone() from None
    if _digest(claimed.read_bytes()) != content.get("sha256"):
        discard(claimed)
        raise TicketInvalid()
    # The claimed name keeps the format's extension last, as the readers need it.
    return Stashed(claimed, content["kind"], content["name"])


def discard(path: Path) -> None:
    """Remove a kept file (already gone: nothing to do)."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def sweep() -> None:
    """Remove the kept files older than the preview time limit."""
    oldest = time.time() - _max_age()
    for path in _directory().glob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < oldest:
                os.unlink(path)
        except FileNotFoundError:
            pass  # another worker swept it first


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
