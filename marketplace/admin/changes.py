"""An audit record's before and after as administrators read them: one row per field, the
field named in Chinese and coded values (statuses, kinds, stages, yes/no) in words. The
stored record keeps its codes; only the page translates them."""
import json
from dataclasses import dataclass

from marketplace.accounts.models import ORG_KINDS, ORG_ROLES, ORG_STATUSES
from marketplace.demonstrations.models import DESIGNATION_KINDS, DESIGNATION_STATUSES
from marketplace.events.models import (
    EVENT_KINDS, REGISTRATION_STATUSES, REQUEST_STATUSES, SCHEDULE_STATUSES)
from marketplace.listings.models import LINK_KINDS, REVISION_STATUSES, STATUSES
from marketplace.listings.revisions import LABELS as LISTING_FIELD_LABELS
from marketplace.matching.models import MATCH_STAGES
from marketplace.proposals.models import PROPOSAL_STATUSES
from marketplace.releases.models import RELEASE_STATUSES

FIELD_LABELS = {
    **LISTING_FIELD_LABELS,
    "status": "状态", "stage": "阶段", "kind": "类别", "name": "名称", "short_name": "简称",
    "uscc": "统一社会信用代码", "reject_reason": "未通过原因", "reason": "原因",
    "email": "电子邮箱", "phone": "手机号码", "org_role": "单位角色", "active": "启用",
    "admin_region_code": "管辖地区", "year": "年份", "sequence": "批次序号",
    "published_on": "发布日期", "approach": "实施方案", "price_wan": "报价（万元）",
    "contract_date": "签约日期", "contract_amount_wan": "合同金额（万元）",
    "delivery_note": "落地情况", "termination_reason": "终止原因", "note": "说明",
    "rating": "评价", "side": "参会身份", "seats": "名额", "venue": "地点",
    "online_url": "线上链接", "starts_at": "开始时间", "ends_at": "结束时间",
    "registration_opens_at": "报名开始", "registration_closes_at": "报名截止",
    "capacity": "名额", "requires_approval": "报名需审核", "offer_hours": "递补确认时限（小时）",
    "decline_reason": "未通过原因", "session": "场次", "slot": "时段", "table_number": "桌号",
    "batch": "批次", "level": "级别", "focus": "场景方向", "lead_unit": "牵头单位",
    "rows": "导出行数", "text": "内容", "answer": "答复", "user_name": "姓名",
    "listing_kind": "清单类别", "first_id": "清单一", "second_id": "清单二",
    "answered_at": "答复时间", "attendees": "参会人员", "checked_in_at": "签到时间",
    "closed_at": "关闭时间", "decided_at": "审核时间", "submitted_at": "提交时间",
    "published_at": "发布时间", "verified_at": "认证时间", "revoked_at": "撤销时间",
    "demand_discloses_amount": "需求方同意公开金额",
    "supply_discloses_amount": "供给方同意公开金额",
    "featured_opportunities": "推介的机会", "featured_releases": "关联的清单批次",
    "fields": "领域", "themes": "主题", "kept_manual": "保留的手工安排", "listings": "携带的清单",
    "match_id": "对接", "meeting_limit": "每方会谈上限", "meetings": "会谈数",
    "method": "方式", "minutes": "会议纪要", "opportunity": "机会", "opportunity_id": "机会",
    "organization_id": "单位", "outcome": "对接结果", "period": "期间", "product": "产品",
    "product_id": "产品", "proposal_id": "揭榜方案", "public_number": "公开编号",
    "release_id": "批次", "requests_placed": "已安排的约见", "requests_total": "约见总数",
    "return_reason": "退回原因", "revoke_reason": "撤销原因",
    "schedule_published_at": "日程发布时间", "schedule_status": "日程状态",
    "sessions": "场次", "signing_confirmed_at": "签约确认时间",
    "signing_confirmed_by_id": "签约确认人", "signing_recorded_at": "签约登记时间",
    "signing_recorded_by_id": "签约登记人", "signing_recorded_by_org_id": "签约登记单位",
    "slot_minutes": "每时段分钟数", "tables": "桌数", "value": "数值",
}

# Coded values in words, by field; ``status`` depends on what the record is about.
_STATUS_BY_TYPE = {
    "opportunity": STATUSES, "product": STATUSES, "revision": REVISION_STATUSES,
    "organization": ORG_STATUSES, "proposal": PROPOSAL_STATUSES, "release": RELEASE_STATUSES,
    "registration": REGISTRATION_STATUSES, "meeting_request": REQUEST_STATUSES,
    "designation": DESIGNATION_STATUSES,
}
_KIND_BY_TYPE = {"organization": ORG_KINDS, "event": EVENT_KINDS,
                 "designation": DESIGNATION_KINDS, "listing_link": LINK_KINDS}
_WORDS_BY_FIELD = {"stage": MATCH_STAGES, "org_role": ORG_ROLES,
                   "schedule_status": SCHEDULE_STATUSES}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str
    changed: bool


def _words(key: str, object_type: str) -> dict:
    if key == "status":
        return _STATUS_BY_TYPE.get(object_type, {})
    if key == "kind":
        return _KIND_BY_TYPE.get(object_type, {})
    return _WORDS_BY_FIELD.get(key, {})


def value_text(key: str, value, object_type: str = "") -> str:
    """One stored value as words: codes translated, yes/no, lists joined, nothing as —."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(value_text(key, v, object_type) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(_words(key, object_type).get(value, value))


def changes(entry) -> list[Change]:
    """The fields of ``entry``'s before and after, in the order they were written."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(FIELD_LABELS.get(key, key),
                   value_text(key, before.get(key), entry.object_type) if key in before else "",
                   value_text(key, after.get(key), entry.object_type) if key in after else "",
                   key in before and key in after and before[key] != after[key])
            for key in keys]
