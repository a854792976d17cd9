"""Check-in at the door and the running order of a 产品路演.

**Tickets.** Every attendee has a personal QR code and a short code (``Attendee.code``,
six characters of ``CODE_ALPHABET``, assigned at registration). The QR code holds a URL of
the staff check-in page carrying a signed token (``?t=…``): itsdangerous'
``URLSafeTimedSerializer`` with the app's SECRET_KEY and salt ``event-checkin`` over
``{"a": attendee id, "e": event id}``. A URL rather than the bare token, so that staff may
scan it with any phone camera too: it opens the check-in page (signed in as an organizer),
which asks to confirm; the page's own scanner takes the token out of the URL. A GET never
checks anyone in. The token is valid until the event ends plus ``GRACE`` — checked against
the event's end time when it is used (the event may have moved), and bounded by
``TOKEN_MAX_AGE`` besides.

**Check-in** (``check_in``) is one conditional ``UPDATE … WHERE checked_in_at IS NULL``:
of two staff scanning the same person at once one succeeds and the other is told the
time of the first check-in, on PostgreSQL (row lock, re-checked WHERE) as on SQLite
(writers serialized at BEGIN). Only attendees of confirmed registrations are let in.
Every check-in and every undo (``undo_check_in``) is audited; a refusal changes nothing.

**Roadshow order** (``set_presentation_order``): the organizer numbers the confirmed
供给方 registrations of a 产品路演 1…n; the public event page lists them in that order.
"""
import unicodedata
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace import audit
from marketplace.authz import Permission, require
from marketplace.db import to_beijing, utcnow
from marketplace.errors import IllegalTransition, NotFound, ValidationError
from marketplace.events.models import Attendee, Event, Registration
from marketplace.extensions import db
from marketplace.validators import as_id

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SALT = "event-checkin"
GRACE = timedelta(hours=12)  # tickets still open the door this long after the event ends
TOKEN_MAX_AGE = timedelta(days=400)  # and no ticket is older than this

INVALID_QR = "二维码无效，请让参会人出示本人的参会凭证，或输入签到码。"
EXPIRED_QR = "二维码已过期：活动已经结束。"
OTHER_EVENT_QR = "该二维码不属于本活动，请核对参会人报名的活动。"


class CheckinRefused(IllegalTransition):
    """A check-in that the rules refuse (a bad ticket, a second check-in …)."""


# --- tokens ----------------------------------------------------------------------------
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(attendee: Attendee) -> str:
    """The signed token of ``attendee``'s ticket."""
    return _serializer().dumps({"a": attendee.id, "e": attendee.registration.event_id})


def read_token(event: Event, token: str, now: datetime | None = None) -> int:
    """The attendee id in ``token``, if it is a genuine ticket of ``event`` that has not
    expired. Raises CheckinRefused with the message to show otherwise."""
    try:
        payload = _serializer().loads(token.strip(),
                                      max_age=int(TOKEN_MAX_AGE.total_seconds()))
    except SignatureExpired:
        raise CheckinRefused(EXPIRED_QR) from None
    except BadSignature:
        raise CheckinRefused(INVALID_QR) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("a"), int)
            and isinstance(payload.get("e"), int)):
        raise CheckinRefused(INVALID_QR)
    if payload["e"] != event.id:
        raise CheckinRefused(OTHER_EVENT_QR)
    if (now or utcnow()) > event.ends_at + GRACE:
        raise CheckinRefused(EXPIRED_QR)
    return payload["a"]


def token_in(scan: str) -> str:
    """The token in what a scanner read: the ``t`` of the ticket's URL, or a bare token."""
    scan = (scan or "").strip()
    if "://" in scan or scan.startswith("/"):
        return parse_qs(urlsplit(scan).query).get("t", [""])[0]
    return scan


def _looks_scanned(typed: str) -> bool:
    # A keyboard-wedge (USB) scanner types the whole QR content into the code field.
    typed = typed.strip()
    return "://" in typed or typed.count(".") == 2


# --- short codes -----------------------------------------------------------------------
def normalise_code(raw: str | None) -> str:
    """What staff typed, as stored: full-width folded, upper case, without spaces or
    dashes ("ab3 k-7q" → "AB3K7Q")."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    return "".join(c for c in text if not c.isspace() and c not in "-_·")


def _by_code(event: Event, raw: str) -> Attendee:
    code = normalise_code(raw)
    if not code:
        raise ValidationError("请输入签到码。", field="code")
    if len(code) > 8 or any(c not in CODE_ALPHABET for c in code):
        raise CheckinRefused(f"签到码“{code[:12]}”不存在，请核对后重新输入。")
    attendee = db.session.scalar(sa.select(Attendee).where(Attendee.code == code))
    if attendee is None:
        raise CheckinRefused(f"签到码“{code}”不存在，请核对后重新输入。")
    if attendee.registration.event_id != event.id:
        raise CheckinRefused(f"签到码“{code}”不属于本活动，请核对参会人报名的活动。")
    return attendee


# --- check-in ----------------------------------------------------------------------------
def beijing_clock(moment: datetime, now: datetime | None = None) -> str:
    """A stored (UTC) time as staff read it: "14:05", or "12月5日 14:05" on another day."""
    local, today = to_beijing(moment), to_beijing(now or utcnow()).date()
    clock = local.strftime("%H:%M")
    return clock if local.date() == today else f"{local.month}月{local.day}日 {clock}"


def who(attendee: Attendee) -> str:
    """"张三（某某科技有限公司）"."""
    return f"{attendee.name}（{attendee.registration.organization.name}）"


def check_in(actor, event: Event, *, code: str = "", token: str = "",
             now: datetime | None = None) -> Attendee:
    """Check in the attendee named by a scanned ``token`` or a typed ``code``.

    Raises PermissionDenied (not an organizer of the event), ValidationError (nothing
    given), CheckinRefused: a forged, expired or other event's QR code, an unknown code
    or one of another event, a registration that is not confirmed, the event over, or a
    second check-in (with the time of the first). Exact under concurrency: of
    simultaneous check-ins of one attendee exactly one succeeds."""
    require(actor, Permission.EVENT_MANAGE, event)
    now = now or utcnow()
    if token.strip() or _looks_scanned(code):
        method = "qr"
        attendee = db.session.get(Attendee, read_token(event, token_in(token or code), now))
        if attendee is None or attendee.registration.event_id != event.id:
            raise CheckinRefused(INVALID_QR)
    else:
        method = "code"
        attendee = _by_code(event, code)
        if now > event.ends_at + GRACE:
            raise CheckinRefused("活动已结束，签到已关闭。")
    registration = attendee.registration
    if not registration.is_confirmed:
        raise CheckinRefused(f"{who(attendee)}的报名状态为“{registration.status_label}”，"
                             "不能签到；请联系组织方确认报名。")
    taken = db.session.execute(
        sa.update(Attendee)
        .where(Attendee.id == attendee.id, Attendee.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=actor.id)
        .execution_options(synchronize_session=False))
    db.session.refresh(attendee)
    if taken.rowcount != 1:
        raise CheckinRefused(f"{who(attendee)}已于 {beijing_clock(attendee.checked_in_at, now)}"
                             " 签到，不能重复签到。")
    audit.record(actor, "attendee.checkin", attendee,
                 after={"checked_in_at": audit.jsonable(now), "method": method},
                 summary=f"{event.title}：{who(attendee)}")
    return attendee


def undo_check_in(actor, event: Event, attendee: Attendee) -> None:
    """Take back a mistaken check-in (the attendee counts as not yet arrived again).
    Raises PermissionDenied, NotFound (not an attendee of the event), CheckinRefused
    (not checked in)."""
    require(actor, Permission.EVENT_MANAGE, event)
    if attendee.registration.event_id != event.id:
        raise NotFound()
    before = {"checked_in_at": audit.jsonable(attendee.checked_in_at),
              "checked_in_by_id": attendee.checked_in_by_id}
    undone = db.session.execute(
        sa.update(Attendee)
        .where(Attendee.id == attendee.id, Attendee.checked_in_at.is_not(None))
        .values(checked_in_at=None, checked_in_by_id=None)
        .execution_options(synchronize_session=False))
    db.session.refresh(attendee)
    if undone.rowcount != 1:
        raise CheckinRefused(f"{who(attendee)}尚未签到，无需撤销。")
    audit.record(actor, "attendee.checkin_undo", attendee, before=before,
                 after={"checked_in_at": None}, summary=f"{event.title}：{who(attendee)}")


# --- roadshow order ----------------------------------------------------------------------
def presenters(event: Event, *options) -> list[Registration]:
    """The confirmed 供给方 registrations of a 产品路演, in running order (those not yet
    placed last, by registration); ``options``: loader options."""
    return db.session.scalars(
        sa.select(Registration).options(*options)
        .where(Registration.event_id == event.id, Registration.status == "confirmed",
               Registration.side == "supply")
        .order_by(Registration.presentation_order.is_(None), Registration.presentation_order,
                  Registration.id)).all()


def set_presentation_order(actor, event: Event, orders: dict) -> list[Registration]:
    """Set the running order of a 产品路演: ``orders`` maps each confirmed 供给方
    registration's id to its place ("1" … "n"), a permutation of 1…n. Registrations
    that no longer present lose their place. Raises PermissionDenied, IllegalTransition
    (not a 产品路演; nobody to order), ValidationError (at ``order-<id>``)."""
    require(actor, Permission.EVENT_MANAGE, event)
    if not event.is_roadshow:
        raise IllegalTransition("只有产品路演需要设置路演顺序。")
    ordered = presenters(event)
    if not ordered:
        raise IllegalTransition("还没有已确认的供给方报名，无需排序。")
    ids = {r.id for r in ordered}
    given = {}
    for key, raw in orders.items():
        try:
            given[int(key)] = raw
        except (TypeError, ValueError):
            raise ValidationError("路演顺序只能为已确认的供给方设置。") from None
    if set(given) - ids:
        raise ValidationError("路演顺序只能为已确认的供给方设置。")
    n, errors, places = len(ordered), {}, {}
    for registration in ordered:
        place = as_id(given.get(registration.id, ""))
        field = f"order-{registration.id}"
        if place is None or not 1 <= place <= n:
            errors[field] = f"请填写 1—{n} 之间的序号。"
        elif place in places.values():
            errors[field] = f"序号 {place} 重复了，每个序号只能用一次。"
        else:
            places[registration.id] = place
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(message, field, errors)
    before = {r.organization.name: r.presentation_order for r in ordered}
    for registration in ordered:
        registration.presentation_order = places[registration.id]
    db.session.execute(
        sa.update(Registration)
        .where(Registration.event_id == event.id, Registration.id.not_in(ids),
               Registration.presentation_order.is_not(None))
        .values(presentation_order=None).execution_options(synchronize_session="fetch"))
    db.session.flush()
    ordered.sort(key=lambda r: r.presentation_order)
    audit.record(actor, "event.roadshow_order", event, before=before,
                 after={r.organization.name: r.presentation_order for r in ordered},
                 summary=f"{event.title}：路演顺序")
    return ordered
