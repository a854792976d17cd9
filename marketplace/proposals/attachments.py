"""Proposal attachments: content checks, storage under generated names, downloads.

Pure functions; the caller checks permissions, adds the returned ``Attachment`` to the
session and commits.

- ``inspect(data, filename)`` decides the type from the bytes (magic numbers; for
  .docx/.xlsx the ZIP's members) and requires the file name's extension to agree.
  Anything that is not PDF, .docx, .xlsx, PNG or JPEG is refused — SVG, HTML, scripts
  and executables whatever their content. ZIPs with absolute or ``..`` member names,
  too many members or a huge uncompressed total are refused, as are macro-enabled or
  legacy/encrypted Office files.
- ``save_upload(file_storage, proposal_id, uploaded_by_id)`` reads at most the limit
  plus one byte (``content_length`` is never trusted), inspects, and writes the file
  atomically to ``UPLOAD_DIR/<ab>/<uuid4 hex>.<ext>`` (mode 0640). The client's file
  name is kept only for display, sanitised; it never reaches the file system.
  Callers skip empty file inputs (no file chosen) before calling it.
- ``download_response(attachment)`` sends the stored file as a download (never inline),
  with nosniff, a sandboxing CSP and no caching. The path comes only from
  ``stored_name``, which must look like one we generated, and must stay inside
  ``UPLOAD_DIR``; anything else is a 404.
- ``remove_file(attachment)`` deletes the stored file (for deletions; an orphan left by
  a rolled-back transaction is harmless).
"""
import hashlib
import io
import os
import re
import unicodedata
import uuid
import zipfile
import zlib
from typing import NamedTuple

from flask import current_app, send_file

from marketplace.errors import NotFound, ValidationError
from marketplace.files import write_atomically
from marketplace.proposals.models import Attachment
from marketplace.viewhelpers import content_disposition, download_headers

FIELD = "attachments"


class FileType(NamedTuple):
    kind: str
    content_type: str
    extensions: tuple[str, ...]  # accepted extensions of the original name
    stored_ext: str              # extension of the stored file


ALLOWED: dict[str, FileType] = {
    "pdf": FileType("pdf", "application/pdf", ("pdf",), "pdf"),
    "docx": FileType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",), "docx"),
    "xlsx": FileType(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",), "xlsx"),
    "png": FileType("png", "image/png", ("png",), "png"),
    "jpeg": FileType("jpeg", "image/jpeg", ("jpg", "jpeg"), "jpg"),
}
_BY_EXTENSION = {ext: ft for ft in ALLOWED.values() for ext in ft.extensions}
_BY_STORED_EXT = {ft.stored_ext: ft for ft in ALLOWED.values()}
# For the template's <input type="file" accept="…">.
ACCEPT = ",".join(f".{ext}" for ext in _BY_EXTENSION)

STORED_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg)$")

# ZIP (OOXML) guards.
ZIP_MAX_UNCOMPRESSED = 100 * 1024 * 1024
ZIP_MAX_MEMBERS = 10_000
_CONTENT_TYPES_MAX = 1024 * 1024
# The part that makes a ZIP a Word document / an Excel workbook.
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}

DISPLAY_NAME_MAX = 200
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}

MSG_UNSUPPORTED = "仅支持 PDF、Word（.docx）、Excel（.xlsx）和 PNG/JPEG 图片。"
MSG_MISMATCH = "文件内容与扩展名不符。"
MSG_EMPTY = "文件为空。"
MSG_TOO_LARGE = "文件超过 {limit}。"
MSG_SUSPICIOUS = "文件内部结构异常（含可疑路径或解压后过大），无法接受。"
MSG_MACRO = "不接受含宏的 Office 文件，请另存为普通的 .docx 或 .xlsx 后上传。"
MSG_LEGACY = "不支持旧版（.doc/.xls）或加密的 Office 文件，请另存为 .docx 或 .xlsx 后上传。"

_CHUNK = 64 * 1024


# --- checking ---------------------------------------------------------------------

def display_name(filename: str | None) -> str:
    """The client's file name made safe for display: the last path part only (``/`` and
    ``\\`` both separate), control and formatting characters (such as right-to-left
    overrides) removed, at most 200 characters with the extension kept."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = name.strip()
    if len(name) > DISPLAY_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[:DISPLAY_NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:DISPLAY_NAME_MAX]
    return name


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _format_limit(limit: int) -> str:
    mib, kib = 1024 * 1024, 1024
    if limit >= mib:
        return f"{limit / mib:.1f}".removesuffix(".0") + " MB"
    if limit >= kib:
        return f"{limit / kib:.1f}".removesuffix(".0") + " KB"
    return f"{limit} 字节"


def _upload_limit() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


def _sniff(data: bytes) -> str | None:
    """The container the bytes are, by magic number alone."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    # Must start with a local file header: a ZIP appended to HTML (a polyglot) is not
    # an Office file, even though zipfile would happily read it from the end.
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # .doc/.xls, or an encrypted .docx/.xlsx
    return None


def _safe_member_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name:
        return False
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return False
    return ".." not in name.split("/")


def _check_ooxml(data: bytes, kind: str) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise ValidationError(MSG_MISMATCH, FIELD) from None
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise ValidationError(MSG_SUSPICIOUS, FIELD)
        if any(not _safe_member_name(m.filename) for m in members):
            raise ValidationError(MSG_SUSPICIOUS, FIELD)
        if sum(m.file_size for m in members) > ZIP_MAX_UNCOMPRESSED:
            raise ValidationError(MSG_SUSPICIOUS, FIELD)
        # OOXML part names are case-insensitive.
        by_name = {m.filename.lower(): m for m in members}
        content_types = by_name.get("[content_types].xml")
        if content_types is None or _OOXML_MAIN_PART[kind] not in by_name:
            raise ValidationError(MSG_MISMATCH, FIELD)
        if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in by_name):
            raise ValidationError(MSG_MACRO, FIELD)
        if content_types.file_size > _CONTENT_TYPES_MAX:
            raise ValidationError(MSG_SUSPICIOUS, FIELD)
        try:
            with archive.open(content_types) as handle:
                declared = handle.read(_CONTENT_TYPES_MAX + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError,
                EOFError, OSError, zlib.error):
            raise ValidationError(MSG_MISMATCH, FIELD) from None
        if b"macroenabled" in declared.lower():
            raise ValidationError(MSG_MACRO, FIELD)


def _check(data: bytes, filename: str | None) -> FileType:
    expected = _BY_EXTENSION.get(_extension(display_name(filename)))
    if expected is None:
        raise ValidationError(MSG_UNSUPPORTED, FIELD)
    if not data:
        raise ValidationError(MSG_EMPTY, FIELD)
    limit = _upload_limit()
    if len(data) > limit:
        raise ValidationError(MSG_TOO_LARGE.format(limit=_format_limit(limit)), FIELD)
    sniffed = _sniff(data)
    if expected.kind in _OOXML_MAIN_PART:
        if sniffed == "ole":
            raise ValidationError(MSG_LEGACY, FIELD)
        if sniffed != "zip":
            raise ValidationError(MSG_MISMATCH, FIELD)
        _check_ooxml(data, expected.kind)
    elif sniffed != expected.kind:
        raise ValidationError(MSG_MISMATCH, FIELD)
    return expected


def inspect(data: bytes, filename: str | None) -> str:
    """The canonical content type of an upload, or ``ValidationError`` (field
    ``attachments``) with the reason in Chinese. Needs an app context (the limit is
    ``UPLOAD_MAX_BYTES``)."""
    return _check(data, filename).content_type


# --- storing ----------------------------------------------------------------------

def _upload_root() -> str:
    return os.path.realpath(os.path.abspath(current_app.config["UPLOAD_DIR"]))


def _read_limited(stream, limit: int) -> bytes:
    """At most ``limit + 1`` bytes — enough to tell that a file is too large."""
    buffer = bytearray()
    while len(buffer) <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer)


def _write_atomically(directory: str, final_name: str, data: bytes) -> None:
    os.makedirs(directory, mode=0o750, exist_ok=True)
    write_atomically(os.path.join(directory, final_name), data, mode=0o640, durable=True)


def store_upload(file_storage) -> dict:
    """Check and store one uploaded file under a generated name; returns the columns of
    the row that records it (stored_name, original_name, content_type, size, sha256).
    Raises ValidationError at ``attachments`` for a file the checks refuse. Proposals'
    attachments and designations' evidence both record files this way."""
    data = _read_limited(file_storage.stream, _upload_limit())
    file_type = _check(data, file_storage.filename)
    stored_name = f"{uuid.uuid4().hex}.{file_type.stored_ext}"
    _write_atomically(os.path.join(_upload_root(), stored_name[:2]), stored_name, data)
    return {"stored_name": stored_name, "original_name": display_name(file_storage.filename),
            "content_type": file_type.content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def save_upload(file_storage, proposal_id: int | None, uploaded_by_id: int | None
                ) -> Attachment:
    """Check and store one uploaded file; returns an unsaved ``Attachment``."""
    return Attachment(proposal_id=proposal_id, uploaded_by_id=uploaded_by_id,
                      **store_upload(file_storage))


def stored_path(attachment) -> str | None:
    """The file's absolute path, or None when ``stored_name`` is not one we generate or
    the path would leave ``UPLOAD_DIR`` (e.g. through a symlink)."""
    stored_name = attachment.stored_name or ""
    if not STORED_NAME_RE.fullmatch(stored_name):
        return None
    root = _upload_root()
    path = os.path.realpath(os.path.join(root, stored_name[:2], stored_name))
    if os.path.commonpath([root, path]) != root or path == root:
        return None
    return path


def remove_file(attachment) -> bool:
    """Delete the stored file; True if a file was removed. Never touches anything but a
    generated name inside ``UPLOAD_DIR``."""
    path = stored_path(attachment)
    if path is None:
        return False
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


# --- serving ----------------------------------------------------------------------

def _download_name(original_name: str, file_type: FileType) -> str:
    """The display name, its extension forced to agree with the stored type."""
    name = display_name(original_name)
    if _extension(name) not in file_type.extensions:
        name = f"{name or '附件'}.{file_type.stored_ext}"
    return name


def download_response(attachment):
    """A response sending the stored file as a download. Raises ``NotFound`` for a
    tampered ``stored_name`` or a missing file."""
    path = stored_path(attachment)
    if path is None or not os.path.isfile(path):
        raise NotFound()
    # The type follows from the generated extension, which follows from the content.
    stored_ext = attachment.stored_name.rpartition(".")[2]
    file_type = _BY_STORED_EXT[stored_ext]
    response = send_file(path, mimetype=file_type.content_type, as_attachment=True,
                         download_name=f"attachment.{stored_ext}", conditional=True,
                         etag=attachment.sha256 or True, max_age=None)
    response.headers["Content-Disposition"] = content_disposition(
        _download_name(attachment.original_name, file_type))
    return download_headers(response)
