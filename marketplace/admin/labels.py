"""Chinese words for the audit log: every action code the services write and every kind
of object they write it about. The codes stay English in the database (they are stable
keys for filters and exports); administrators read only these labels.

tests/admin/test_audit_labels.py scans the sources for audit record calls and fails when
an action or object type the code can write has no label here.
"""
LISTING_NOUNS = {"opportunity": "机会", "product": "产品"}

# The listing workflow, the same for both kinds: verb → label with the noun filled in.
_LISTING_ACTIONS = {
    "create": "新建{noun}", "update": "修改{noun}", "submit": "提交{noun}审核",
    "resubmit": "重新提交{noun}审核", "import_submit": "导入{noun}并提交审核",
    "withdraw": "撤回{noun}", "approve": "{noun}审核通过", "return": "退回{noun}",
    "publish": "发布{noun}", "close": "关闭{noun}", "import": "批量导入{noun}",
    "revision_propose": "申请修改已发布{noun}", "revision_approve": "通过{noun}修改申请",
    "revision_return": "退回{noun}修改申请", "revision_discard": "放弃{noun}修改申请",
    "revision_apply": "{noun}修改生效",
    "contact_view": "查看{noun}联系人完整电话", "contact_erase": "删除{noun}联系人信息",
}


def _listing_labels() -> dict[str, str]:
    labels = {f"{kind}.{verb}": text.format(noun=noun)
              for kind, noun in LISTING_NOUNS.items() for verb, text in _LISTING_ACTIONS.items()}
    labels["product.close"] = "下架产品"  # a product is taken off the list, not closed
    return labels


ACTION_LABELS: dict[str, str] = {
    # Login and accounts (ACCOUNT_ACTION_PREFIXES)
    "auth.login": "登录", "auth.logout": "退出登录", "auth.login_failed": "登录失败",
    "auth.login_refused_locked": "锁定期间尝试登录", "auth.locked": "多次登录失败，账号锁定",
    "auth.unlocked": "解锁账号", "auth.password_changed": "修改密码",
    "auth.admin_created": "创建平台管理员", "auth.password_accepted": "密码正确，等待二次验证",
    "auth.second_factor_begin": "开始设置二次验证", "auth.second_factor_enabled": "启用二次验证",
    "auth.second_factor_disabled": "关闭二次验证", "auth.second_factor_reset": "重置二次验证",
    "auth.second_factor_failed": "二次验证码错误", "auth.recovery_code_used": "使用恢复码登录",
    "auth.recovery_codes_renewed": "更换恢复码",
    "account.auditor_create": "开通审计员", "account.auditor_enable": "启用审计员",
    "account.auditor_disable": "停用审计员",
    "account.data_export": "下载本人个人信息", "account.erase": "注销账户并删除个人信息",
    "account.region_admin_create": "开通区域管理员", "account.region_admin_enable": "启用区域管理员",
    "account.region_admin_disable": "停用区域管理员",
    "organization.member_add": "开通单位账号", "organization.member_enable": "启用单位账号",
    "organization.member_disable": "停用单位账号",
    "notification.email_settings": "修改邮件通知设置",
    # Organizations
    "organization.register": "单位注册", "organization.seed": "载入规划文件中的单位",
    "organization.verify": "认证单位", "organization.reject": "单位认证未通过",
    # Listings, releases, exports
    **_listing_labels(),
    "release.create": "新建清单批次", "release.add_items": "清单加入批次",
    "release.remove_item": "清单移出批次", "release.publish": "发布清单批次",
    "release.export": "导出批次清单", "lists.export": "导出清单数据",
    "subscription.save": "保存机会订阅",
    # Taxonomy and search
    "taxonomy.field_create": "新增领域", "taxonomy.field_update": "修改领域",
    "taxonomy.tag_create": "新增标签", "taxonomy.tag_update": "修改标签",
    "search.language_update": "修改检索词表", "search.reindex_requested": "申请重建检索索引",
    # 揭榜: questions and proposals
    "question.ask": "提问", "question.answer": "答复提问",
    "proposal.create": "新建揭榜方案", "proposal.update": "修改揭榜方案",
    "proposal.submit": "提交揭榜方案", "proposal.withdraw": "撤回揭榜方案",
    "proposal.reopen": "重新编辑揭榜方案", "proposal.shortlist": "方案入围",
    "proposal.select": "方案入选", "proposal.decline": "方案未入选",
    "proposal.attachment_add": "上传方案附件", "proposal.attachment_remove": "删除方案附件",
    "proposals.export": "导出揭榜方案",
    # Pairings
    "match.start": "建立对接", "match.update": "更新对接", "match.contacted": "对接：已联系",
    "match.negotiating": "对接：进入洽谈", "match.signed": "对接：已签约",
    "match.delivered": "对接：已落地", "match.terminated": "终止对接",
    "match.sign_record": "登记签约（待对方确认）", "match.sign_confirm": "确认签约",
    "match.sign_dispute": "对签约登记提出异议",
    # Look-alike listings
    "listing_link.create": "标记相似清单", "listing_link.delete": "撤销相似清单标记",
    # Events
    "event.create": "新建活动", "event.update": "修改活动", "event.minutes": "记录会议纪要",
    "event.schedule_build": "编排会谈日程", "event.schedule_preliminary": "发布初步日程",
    "event.schedule_final": "发布最终日程", "event.roadshow_order": "调整路演顺序",
    "event.participants_export": "导出参会名单", "event.report_export": "导出活动报告",
    "registration.create": "活动报名", "registration.approve": "通过报名",
    "registration.decline": "报名未通过", "registration.confirm": "确认参会",
    "registration.cancel": "取消报名", "registration.offer": "候补递补通知",
    "registration.offer_lapse": "递补名额逾期", "registration.move": "调整报名状态",
    "attendee.checkin": "签到", "attendee.checkin_undo": "撤销签到",
    "meeting_request.create": "发起约见", "meeting_request.resend": "重新发起约见",
    "meeting_request.accept": "接受约见", "meeting_request.decline": "谢绝约见",
    "meeting_request.withdraw": "撤回约见",
    "meeting.create": "安排会谈", "meeting.move": "调整会谈", "meeting.remove": "取消会谈",
    "meeting_rating.rate": "评价会谈",
    # 十百千
    "designation.create": "新增示范认定", "designation.revoke": "撤销示范认定",
    "designation.evidence_add": "补充认定材料", "designation.import": "批量导入示范认定",
    "target.update": "修改目标", "indicator.enter": "填报指标",
    # The platform itself
    "reminders.send": "发送待跟进提醒", "audit.purge": "清理过期审计日志",
}

OBJECT_TYPE_LABELS: dict[str, str] = {
    "organization": "单位", "user": "账号", "opportunity": "机会清单", "product": "产品清单",
    "revision": "修改申请", "release": "清单批次", "field": "领域", "tag": "标签",
    "language": "检索词表", "search": "检索索引", "subscription": "机会订阅",
    "question": "提问", "proposal": "揭榜方案", "match": "对接",
    "event": "活动", "registration": "活动报名", "attendee": "参会人员",
    "meeting_request": "约见请求", "meeting": "会谈", "meeting_rating": "会谈评价",
    "designation": "示范认定", "target": "目标", "indicator": "指标", "indicator_value": "指标值",
    "reminder": "待跟进提醒", "listing_link": "相似清单标记",
}

# Action groups offered in the filter, in this order, by the code's first part.
ACTION_GROUPS: dict[str, str] = {
    "organization": "单位", "opportunity": "机会清单", "product": "产品清单",
    "release": "清单批次", "lists": "清单数据", "subscription": "机会订阅",
    "listing_link": "相似清单",
    "question": "答疑", "proposal": "揭榜方案", "proposals": "揭榜方案导出", "match": "对接",
    "event": "活动", "registration": "活动报名", "attendee": "签到",
    "meeting_request": "约见", "meeting": "会谈", "meeting_rating": "会谈评价",
    "designation": "示范认定", "target": "目标", "indicator": "指标",
    "taxonomy": "领域与标签", "search": "检索", "reminders": "提醒", "audit": "审计日志",
    "auth": "登录", "account": "账号与个人信息", "notification": "通知设置",
}

# 登录与账户: sign-ins, passwords, locks, accounts opened or disabled, one's own mail
# settings. They outnumber everything else (every sign-in is a row), so the log shows
# business events (业务操作) unless asked.
ACCOUNT_ACTION_PREFIXES = ("auth.", "account.", "organization.member_",
                           "notification.email_settings")

CATEGORIES = {"business": "业务操作", "account": "登录与账户", "all": "全部"}
DEFAULT_CATEGORY = "business"


def is_account_action(code: str) -> bool:
    return code.startswith(ACCOUNT_ACTION_PREFIXES)


def action_label(code: str) -> str:
    """The Chinese label of ``code``; an unknown code (written by an older version) is
    described, not shown raw."""
    return ACTION_LABELS.get(code) or "其他操作"


def object_type_label(code: str) -> str:
    return OBJECT_TYPE_LABELS.get(code) or ("—" if not code else "其他对象")


def action_choices(category: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's options for ``category``: (group label, [(value, label)]) where a
    group's first option is the whole group (its code prefix, e.g. ``opportunity.``)."""
    wanted = {"business": lambda c: not is_account_action(c), "account": is_account_action}
    keep = wanted.get(category, lambda c: True)
    groups = []
    for prefix, group_label in ACTION_GROUPS.items():
        codes = [c for c in ACTION_LABELS if c.split(".", 1)[0] == prefix and keep(c)]
        if codes:
            options = [(f"{prefix}.", f"{group_label}（全部）")] if len(codes) > 1 else []
            groups.append((group_label, options + [(c, ACTION_LABELS[c]) for c in codes]))
    return groups
