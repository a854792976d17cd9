"""The web import part of the authorization matrix (run by tests/test_authz_matrix.py with
the cases of tests/authz_cases.py): the same roles, world and conventions.

Every administrator may import, a region administrator into its own subtree only, so the
posted form depends on who posts it (``Target.data`` is a function of the user): each
administrator previews a file of its own region, and confirms a preview of its own (a
preview ticket is bound to its user; everyone else posts the platform admin's ticket, which
is not found for them). The kept files live under UPLOAD_DIR in these tests, so that a
refused request is seen to keep none.
"""
import csv
import io

import sqlalchemy as sa

from marketplace.authz import region_scope
from marketplace.extensions import db
from marketplace.opportunities.models import Opportunity
from marketplace.transfer import services as transfer
from tests.authz_cases import ADMINS, PLATFORM, REGION, REGION_ADMIN, Case, Target, stored_files
from tests.authz_pages import _is_workbook, admin_page, titled

TITLE = "授权矩阵导入条目"
HEADERS = ["名称", "发布单位", "领域", "地区", "预算（万元）", "截止日期", "合作方式", "摘要",
           "描述", "联系人", "联系电话"]


def _file(w, user) -> bytes:
    """A one-row 机会清单 of the owner department, in ``user``'s own region (REGION for the
    platform admin and for users who hold no region)."""
    region = region_scope(user) or REGION
    text = io.StringIO()
    csv.writer(text).writerows([HEADERS, [
        TITLE, w.owner.name, "交通出行", region, "300", "", "采购服务", "建设停车诱导屏。",
        "覆盖核心商圈。", "王先生", "13812345678"]])
    return text.getvalue().encode("utf-8-sig")


def _imported(actor) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(Opportunity.id).where(Opportunity.title == TITLE)) \
        is not None


def preview(w):
    def data(user):
        return {"kind": "opportunity", "file": (io.BytesIO(_file(w, user)), "导入.csv")}
    return Target({}, data, lambda actor: bool(stored_files()), content_type="multipart/form-data")


def confirm(w):
    def data(user):
        previewer = user if user in (w.users["platform_admin"], w.users["region_admin"]) \
            else w.admin
        result = transfer.preview(previewer, "opportunity", "导入.csv", _file(w, previewer))
        assert result.ticket, result.problems
        return {"ticket": result.ticket}
    return Target({}, data, _imported)


TRANSFER_CASES = [
    Case("transfer.preview", ADMINS, preview, "department"),
    Case("transfer.confirm", PLATFORM | REGION_ADMIN, confirm, "department"),
]

TRANSFER_PAGES = [
    admin_page("transfer.index", titled("批量导入"), allowed=ADMINS),
    admin_page("transfer.template", _is_workbook, lambda w: {"kind": "product", "fmt": "xlsx"},
               allowed=ADMINS),
]
