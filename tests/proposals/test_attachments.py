"""Proposal attachments: real files, good and bad, through inspect/save/download."""
import hashlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from urllib.parse import unquote

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage

from marketplace.errors import NotFound, ValidationError
from marketplace.proposals import attachments
from marketplace.proposals.attachments import (
    MSG_EMPTY, MSG_LEGACY, MSG_MACRO, MSG_MISMATCH, MSG_SUSPICIOUS, MSG_UNSUPPORTED,
    download_response, inspect, remove_file, save_upload,
)

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STORED_RE = re.compile(r"^[0-9a-f]{32}\.(pdf|docx|xlsx|png|jpg)$")


# --- real files ---------------------------------------------------------------------

def make_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>')
DOCX_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
DOCX_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:body><w:p><w:r><w:t>揭榜方案</w:t></w:r></w:p></w:body></w:document>').encode()


def make_docx(**extra: bytes) -> bytes:
    return make_zip({"[Content_Types].xml": DOCX_CONTENT_TYPES, "_rels/.rels": DOCX_RELS,
                     "word/document.xml": DOCX_DOCUMENT, **extra})


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "报价（万元）"
    workbook.active["B1"] = 12.5
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_png() -> bytes:
    """A 1×1 red PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def make_jpeg() -> bytes:
    """A 1×1 grey baseline JPEG: one quantisation table, one-code Huffman tables, a scan
    of DC 0 + EOB (decodes to (128,128,128) in Chromium)."""
    huffman = b"\x01" + b"\x00" * 15 + b"\x00"
    return (b"\xff\xd8"
            + b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
            + b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
            + b"\xff\xc4\x00\x14\x00" + huffman
            + b"\xff\xc4\x00\x14\x10" + huffman
            + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
            + b"\x3f"
            + b"\xff\xd9")


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
       b'<script>alert(document.cookie)</script></svg>')
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    root = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(root))
    return root


def upload(data: bytes, filename: str, **kwargs) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, **kwargs)


def refused(data: bytes, filename: str) -> str:
    with pytest.raises(ValidationError) as caught:
        inspect(data, filename)
    assert caught.value.field == "attachments"
    return caught.value.message


def files_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --- inspect: accepted --------------------------------------------------------------

@pytest.mark.parametrize("maker, filename, content_type", [
    (make_pdf, "方案.pdf", PDF_TYPE),
    (make_pdf, "PROPOSAL.PDF", PDF_TYPE),
    (make_docx, "技术方案.docx", DOCX_TYPE),
    (make_xlsx, "报价单.xlsx", XLSX_TYPE),
    (make_png, "架构图.png", "image/png"),
    (make_jpeg, "现场照片.jpg", "image/jpeg"),
    (make_jpeg, "现场照片.JPEG", "image/jpeg"),
])
def test_real_files_are_accepted(ctx, maker, filename, content_type):
    assert inspect(maker(), filename) == content_type


# --- inspect: refused ---------------------------------------------------------------

@pytest.mark.parametrize("data, filename", [
    (SVG, "logo.svg"),
    (HTML, "page.html"),
    (HTML, "page.htm"),
    (b"alert(1)", "x.js"),
    (EXE, "setup.exe"),
    (EXE, "setup.pdf.exe"),
    # Refused by extension even when the content is a perfectly good allowed file.
    (make_pdf(), "report.html"),
    (make_png(), "image.svg"),
    (make_pdf(), "no-extension"),
    (make_pdf(), ""),
    (make_pdf(), "report.pdf."),
    (make_pdf(), "report.doc"),
])
def test_forbidden_types_are_refused_whatever_the_content(ctx, data, filename):
    assert refused(data, filename) == MSG_UNSUPPORTED


@pytest.mark.parametrize("data, filename", [
    (HTML, "proposal.pdf"),             # HTML renamed to .pdf
    (SVG, "diagram.png"),               # SVG renamed to .png
    (EXE, "manual.pdf"),                # an executable renamed to .pdf
    (make_png(), "scan.pdf"),           # PNG renamed to .pdf
    (make_pdf(), "photo.jpg"),          # PDF renamed to .jpg
    (make_jpeg(), "photo.png"),         # JPEG renamed to .png
    (make_zip({"readme.txt": b"hello"}), "plan.docx"),      # plain ZIP renamed .docx
    (make_zip({"word/document.xml": DOCX_DOCUMENT}), "plan.docx"),  # no [Content_Types].xml
    (make_xlsx(), "plan.docx"),         # a workbook is not a Word document
    (make_docx(), "sheet.xlsx"),        # nor the other way round
    (HTML + make_docx(), "plan.docx"),  # HTML/ZIP polyglot
    (b"PK\x03\x04 not really a zip", "plan.docx"),
    (b"%PDF", "short.pdf"),             # not even the full magic
])
def test_content_must_agree_with_the_extension(ctx, data, filename):
    assert refused(data, filename) == MSG_MISMATCH


@pytest.mark.parametrize("member", [
    "../evil", "word/../../evil.sh", "/etc/cron.d/evil", "C:/evil", "word\\..\\evil",
])
def test_zip_with_suspicious_member_names_is_refused(ctx, member):
    assert refused(make_docx(**{member: b"evil"}), "plan.docx") == MSG_SUSPICIOUS


def test_zip_bomb_is_refused(ctx):
    """About 100 KB on the wire, over 100 MB once unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        archive.writestr("word/document.xml", DOCX_DOCUMENT)
        with archive.open("word/media/bomb.bin", "w") as bomb:
            block = b"\x00" * (1024 * 1024)
            for _ in range(101):
                bomb.write(block)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    assert refused(data, "plan.docx") == MSG_SUSPICIOUS


def test_macro_enabled_office_files_are_refused(ctx):
    assert refused(make_docx(**{"word/vbaProject.bin": b"\x00" * 16}), "plan.docx") == MSG_MACRO
    macro_types = DOCX_CONTENT_TYPES.replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    assert refused(make_docx(**{"[Content_Types].xml": macro_types}), "plan.docx") == MSG_MACRO


def test_legacy_or_encrypted_office_files_get_their_own_message(ctx):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert refused(ole, "old.docx") == MSG_LEGACY
    assert refused(ole, "old.xlsx") == MSG_LEGACY


def test_empty_file_is_refused(ctx):
    assert refused(b"", "empty.pdf") == MSG_EMPTY


def test_size_limit_uses_the_configured_value(app, ctx, monkeypatch):
    pdf = make_pdf()
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", len(pdf))
    assert inspect(pdf, "exact.pdf") == PDF_TYPE
    message = refused(pdf + b"\n", "over.pdf")
    assert message == f"文件超过 {len(pdf)} 字节。"


def test_default_limit_message_says_10_mb(ctx):
    data = make_pdf()
    data += b"\n" * (10 * 1024 * 1024 - len(data))
    assert inspect(data, "big.pdf") == PDF_TYPE
    assert refused(data + b"\n", "big.pdf") == "文件超过 10 MB。"


# --- save_upload ----------------------------------------------------------------------

def test_save_upload_stores_under_a_generated_name(ctx, uploads):
    data = make_pdf()
    # The client's declared type is ignored; the content decides.
    attachment = save_upload(upload(data, "揭榜方案.pdf", content_type="text/html"), 7, 3)

    assert STORED_RE.fullmatch(attachment.stored_name)
    assert attachment.stored_name.endswith(".pdf")
    assert attachment.id is None  # not added to any session: the caller does that
    assert (attachment.proposal_id, attachment.uploaded_by_id) == (7, 3)
    assert attachment.original_name == "揭榜方案.pdf"
    assert attachment.content_type == PDF_TYPE
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()

    path = uploads / attachment.stored_name[:2] / attachment.stored_name
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    # Nothing else: no temporary file left behind.
    assert files_under(uploads) == [f"{attachment.stored_name[:2]}/{attachment.stored_name}"]


@pytest.mark.parametrize("maker, filename, ext", [
    (make_docx, "a.docx", "docx"), (make_xlsx, "a.xlsx", "xlsx"),
    (make_png, "a.png", "png"), (make_jpeg, "a.jpeg", "jpg"), (make_jpeg, "a.jpg", "jpg"),
])
def test_stored_extension_follows_the_type(ctx, uploads, maker, filename, ext):
    attachment = save_upload(upload(maker(), filename), 1, None)
    assert attachment.stored_name.endswith("." + ext)
    assert (uploads / attachment.stored_name[:2] / attachment.stored_name).is_file()


def test_same_file_twice_gets_two_names(ctx, uploads):
    first = save_upload(upload(make_png(), "a.png"), 1, 1)
    second = save_upload(upload(make_png(), "a.png"), 1, 1)
    assert first.stored_name != second.stored_name
    assert first.sha256 == second.sha256


@pytest.mark.parametrize("filename, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\x\\y.pdf", "y.pdf"),
    ("..\\..\\windows/system32\\方案.pdf", "方案.pdf"),
    ("/var/www/static/index.pdf", "index.pdf"),
    ("新\x00方\r\n案\t.pdf", "新方案.pdf"),
    ("报告\u202efdp.exe.pdf", "报告fdp.exe.pdf"),   # right-to-left override removed
    ("  第一版 方案.pdf  ", "第一版 方案.pdf"),
])
def test_path_traversal_in_the_name_goes_nowhere(ctx, uploads, tmp_path, filename, shown):
    attachment = save_upload(upload(make_pdf(), filename), 1, 1)
    assert attachment.original_name == shown
    assert STORED_RE.fullmatch(attachment.stored_name)
    # Only the generated file exists, inside UPLOAD_DIR.
    assert files_under(tmp_path) == [
        f"uploads/{attachment.stored_name[:2]}/{attachment.stored_name}"]


def test_long_names_are_cut_keeping_the_extension(ctx, uploads):
    attachment = save_upload(upload(make_pdf(), "方" * 300 + ".pdf"), 1, 1)
    assert len(attachment.original_name) == 200
    assert attachment.original_name == "方" * 196 + ".pdf"


@pytest.mark.parametrize("data, filename, message", [
    (SVG, "x.svg", MSG_UNSUPPORTED),
    (HTML, "x.pdf", MSG_MISMATCH),
    (b"", "x.pdf", MSG_EMPTY),
    (make_docx(**{"../evil": b"x"}), "x.docx", MSG_SUSPICIOUS),
])
def test_refused_uploads_write_nothing(ctx, uploads, data, filename, message):
    with pytest.raises(ValidationError) as caught:
        save_upload(upload(data, filename), 1, 1)
    assert caught.value.message == message
    assert not uploads.exists() or files_under(uploads) == []


class EndlessPdf(io.RawIOBase):
    """A stream that never ends and counts what was read from it."""

    def __init__(self):
        self.consumed = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        size = len(buffer)
        prefix = b"%PDF-1.4\n" if self.consumed == 0 else b""
        buffer[:size] = (prefix + b"0" * size)[:size]
        self.consumed += size
        return size


def test_content_length_is_not_trusted_and_reading_stops_at_the_limit(app, ctx, uploads,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 200_000)
    stream = EndlessPdf()
    storage = FileStorage(stream=stream, filename="huge.pdf", content_length=10)
    with pytest.raises(ValidationError) as caught:
        save_upload(storage, 1, 1)
    assert caught.value.message.startswith("文件超过")
    assert stream.consumed == 200_001
    assert not uploads.exists() or files_under(uploads) == []


# --- remove_file ----------------------------------------------------------------------

def test_remove_file(ctx, uploads):
    attachment = save_upload(upload(make_pdf(), "a.pdf"), 1, 1)
    path = uploads / attachment.stored_name[:2] / attachment.stored_name
    assert remove_file(attachment) is True
    assert not path.exists()
    assert remove_file(attachment) is False  # already gone: harmless


def test_remove_file_ignores_tampered_names(ctx, uploads, tmp_path):
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"keep me")
    attachment = attachments.Attachment(stored_name="../victim.pdf")
    assert remove_file(attachment) is False
    assert victim.exists()


# --- download_response ----------------------------------------------------------------

def body(response) -> bytes:
    response.direct_passthrough = False
    try:
        return response.get_data()
    finally:
        response.close()


def test_download_headers(ctx, uploads):
    data = make_pdf()
    attachment = save_upload(upload(data, "../揭榜 方案（终稿）.pdf"), 1, 1)
    response = download_response(attachment)

    assert response.status_code == 200
    assert response.mimetype == PDF_TYPE
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="attachment.pdf"' in disposition  # ASCII fallback
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", disposition).group(1)
    assert unquote(encoded) == "揭榜 方案（终稿）.pdf"
    assert re.fullmatch(r"[A-Za-z0-9!#$&+\-.^_`|~%]+", encoded)  # RFC 5987 attr-chars
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; sandbox; frame-ancestors 'none'")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert body(response) == data


def test_download_keeps_an_ascii_name_and_quotes_safely(ctx, uploads):
    attachment = save_upload(upload(make_png(), 'diagram "v2".png'), 1, 1)
    response = download_response(attachment)
    disposition = response.headers["Content-Disposition"]
    assert 'filename="diagram _v2_.png"' in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == 'diagram "v2".png'
    assert response.mimetype == "image/png"
    body(response)


def test_download_type_comes_from_the_stored_file_not_the_row(ctx, uploads):
    attachment = save_upload(upload(make_pdf(), "a.pdf"), 1, 1)
    attachment.content_type = "text/html"
    attachment.original_name = "a.html"
    response = download_response(attachment)
    assert response.mimetype == PDF_TYPE
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # The saved file's extension agrees with its content, whatever the row says.
    assert 'filename="a.html.pdf"' in disposition
    assert disposition.endswith("filename*=UTF-8''a.html.pdf")
    body(response)


@pytest.mark.parametrize("stored_name", [
    "../../etc/passwd",
    "../victim.pdf",
    "ab/../../victim.pdf",
    "0123456789abcdef0123456789abcdef.html",
    "0123456789abcdef0123456789abcdef.svg",
    "0123456789ABCDEF0123456789ABCDEF.pdf",
    "0123456789abcdef0123456789abcdef.pdf/../../victim.pdf",
    "/etc/passwd",
    "",
])
def test_tampered_stored_name_is_refused(ctx, uploads, tmp_path, stored_name):
    (tmp_path / "victim.pdf").write_bytes(make_pdf())
    with pytest.raises(NotFound):
        download_response(attachments.Attachment(stored_name=stored_name, sha256=""))


def test_symlink_out_of_the_upload_dir_is_refused(ctx, uploads, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    name = "ab" + "0" * 30 + ".pdf"
    (outside / name).write_bytes(make_pdf())
    uploads.mkdir()
    os.symlink(outside, uploads / "ab")
    attachment = attachments.Attachment(stored_name=name, original_name="a.pdf", sha256="")
    with pytest.raises(NotFound):
        download_response(attachment)
    assert remove_file(attachment) is False
    assert (outside / name).exists()


def test_missing_file_is_not_found(ctx, uploads):
    attachment = save_upload(upload(make_pdf(), "a.pdf"), 1, 1)
    remove_file(attachment)
    with pytest.raises(NotFound):
        download_response(attachment)


def test_download_of_a_nameless_row_still_has_a_name(ctx, uploads):
    attachment = save_upload(upload(make_jpeg(), "a.jpg"), 1, 1)
    attachment.original_name = ""
    response = download_response(attachment)
    disposition = response.headers["Content-Disposition"]
    assert 'filename="attachment.jpg"' in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == "附件.jpg"
    assert response.mimetype == "image/jpeg"
    body(response)
