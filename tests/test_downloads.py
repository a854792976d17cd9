"""Download file names (``viewhelpers.content_disposition``): the name people see in UTF-8,
an ASCII one for old clients, and nothing in either that could act as a path."""
from urllib.parse import unquote

import pytest

from marketplace.viewhelpers import attachment, content_disposition


def names(header: str) -> tuple[str, str]:
    ascii_part, _, utf8_part = header.partition("; filename*=UTF-8''")
    return ascii_part.removeprefix('attachment; filename="').removesuffix('"'), unquote(utf8_part)


@pytest.mark.parametrize("name, ascii_name, shown, fallback", [
    ("2026年第一批场景清单.xlsx", "release-2026-01.xlsx", "2026年第一批场景清单.xlsx",
     "release-2026-01.xlsx"),
    ("附件.jpg", None, "附件.jpg", "attachment.jpg"),
    ("报告", None, "报告", "attachment"),
    ('方案 "v2".pdf', None, '方案 "v2".pdf', "_v2_.pdf"),
    ("../../etc/passwd", None, "_.._etc_passwd", "attachment._etc_passwd"),
    ("沙龙\r\nSet-Cookie: x=1.ics", None, "沙龙_Set-Cookie: x=1.ics", "_Set-Cookie_ x_1.ics"),
])
def test_file_names(name, ascii_name, shown, fallback):
    header = content_disposition(name, ascii_name)
    assert "\r" not in header and "\n" not in header
    assert names(header) == (fallback, shown)


def test_a_download_is_never_cached_and_sandboxed(app):
    with app.test_request_context():
        response = attachment("a,b\n", "text/csv; charset=utf-8", "名单.csv", "list.csv")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert names(response.headers["Content-Disposition"]) == ("list.csv", "名单.csv")
