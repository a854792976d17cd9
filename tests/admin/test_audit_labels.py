"""Every audit action and object type the code base can write has a Chinese label.

The sources are scanned (ast) for the calls that write audit rows: ``audit.record`` and
``audit.record_export`` with a literal action, and the places that compose one — an
f-string, ``workflow.change_state`` (``<obj.audit_type>.<action>``) and the helpers that
pass a literal action on to it. A composed site is expanded below; a new composed site
that is not listed here fails the test, so it cannot slip by unlabelled.
"""
import ast
from pathlib import Path

from marketplace.accounts.services import _REVIEW_TARGETS
from marketplace.admin.labels import ACTION_LABELS, OBJECT_TYPE_LABELS, action_choices
from marketplace.listings.models import LISTING_MODELS
from marketplace.matching.models import MATCH_TRANSITIONS
from marketplace.proposals.services import DECISIONS
from marketplace.transfer.columns import KIND_LABELS

ROOT = Path(__file__).resolve().parents[2] / "marketplace"
LISTING_KINDS = sorted(LISTING_MODELS)
# The functions that forward an action they were given (not sites of their own).
FORWARDERS = {("audit.py", "record_export"), ("workflow.py", "change_state")}
# Helpers that pass an action argument on to change_state:
# file → {helper: (position of the action argument, the object types it is written for)}.
WRAPPERS = {
    "listings/services.py": {"transition": (3, LISTING_KINDS),
                             "_revision_transition": (4, LISTING_KINDS)},
    "proposals/services.py": {"_transition": (3, ["proposal"])},
    "events/services.py": {"_move": (3, ["registration"])},
    "matching/signing.py": {"_move": (3, ["match"])},
}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _calls(tree):
    """(enclosing function name, call) for every call in ``tree``."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    yield function.name, node


def _name(call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _writes_audit(call, name: str) -> bool:
    """``audit.record(…)`` / ``audit.record_export(…)`` (not another module's ``record``,
    such as ``signing.record``), or ``change_state``."""
    if name == "change_state":
        return True
    func = call.func
    return (name in ("record", "record_export") and isinstance(func, ast.Attribute)
            and getattr(func.value, "id", "") == "audit")


def _literal(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _wrapper_actions(tree, helper: str, position: int) -> set[str]:
    """The literal actions passed to ``helper`` (at ``position``) in ``tree``."""
    actions = set()
    for function, call in _calls(tree):
        if _name(call) == helper and function != helper:
            actions.add(_literal(call.args[position]) or "<composed>")
    return actions


def _scan():
    """(literal action codes, composed sites {(file, function): [call]}, trees)."""
    literal, composed, trees = set(), {}, {}
    for rel, tree in _modules():
        trees[rel] = tree
        for function, call in _calls(tree):
            name = _name(call)
            if ((rel, function) in FORWARDERS or not _writes_audit(call, name)
                    or len(call.args) < 2):
                continue
            if name == "change_state":
                composed.setdefault((rel, function), []).append(call)
            elif _literal(call.args[1]):
                literal.add(call.args[1].value)
            else:
                composed.setdefault((rel, function), []).append(call)
    return literal, composed, trees


def _expand(trees) -> dict:
    """What each composed site writes, read from the code it composes from."""
    wrapped = {rel: {helper: {f"{kind}.{action}" for kind in kinds
                              for action in _wrapper_actions(trees[rel], helper, position)}
                     for helper, (position, kinds) in helpers.items()}
               for rel, helpers in WRAPPERS.items()}
    listing = lambda verb: {f"{kind}.{verb}" for kind in LISTING_KINDS}  # noqa: E731
    return {
        ("listings/services.py", "create_listing"): listing("create"),
        ("listings/services.py", "update_listing"): listing("update"),
        ("listings/services.py", "_propose_revision"): listing("revision_propose"),
        ("listings/services.py", "_apply_revision"): listing("revision_apply"),
        ("listings/services.py", "transition"): wrapped["listings/services.py"]["transition"],
        ("listings/services.py", "_revision_transition"):
            wrapped["listings/services.py"]["_revision_transition"],
        ("proposals/services.py", "_transition"):
            wrapped["proposals/services.py"]["_transition"] - {"proposal.<composed>"}
            | {f"proposal.{d}" for d in DECISIONS},
        ("events/services.py", "_move"): wrapped["events/services.py"]["_move"],
        ("matching/pairings.py", "step"):
            {f"match.{t}" for targets in MATCH_TRANSITIONS.values() for t in targets}
            - {"match.signing"},  # reached only through signing._move (sign_record)
        ("matching/signing.py", "_move"): wrapped["matching/signing.py"]["_move"],
        ("listings/services.py", "reveal_contact"): listing("contact_view"),
        ("listings/services.py", "_erase_item_contact"): listing("contact_erase"),
        ("accounts/signin.py", "count_failure"): {"auth.login_failed",
                                                     "auth.second_factor_failed"},
        ("releases/services.py", "publish_release"): {"release.publish"},
        ("events/meeting_schedule.py", "publish_schedule"):
            {"event.schedule_preliminary", "event.schedule_final"},
        ("events/meetings.py", "request_meeting"): {"meeting_request.resend"},
        ("events/meetings.py", "answer_request"):
            {"meeting_request.accept", "meeting_request.decline"},
        ("events/meetings.py", "withdraw"): {"meeting_request.withdraw"},
        ("demonstrations/services.py", "revoke"): {"designation.revoke"},
        ("accounts/services.py", "add_reference_department"): {"organization.verify"},
        ("accounts/services.py", "review_organization"):
            {f"organization.{d}" for d in _REVIEW_TARGETS},
        ("accounts/services.py", "_set_active"):
            {f"{p}{s}" for p in ("organization.member_", "account.region_admin_",
                                 "account.auditor_")
             for s in ("enable", "disable")},
        ("taxonomy/services.py", "update_term"): {"taxonomy.field_update", "taxonomy.tag_update"},
        ("transfer/importer.py", "_record"): {f"{kind}.import" for kind in KIND_LABELS},
    }


def test_every_action_the_code_can_write_has_a_chinese_label():
    literal, composed, trees = _scan()
    expansions = _expand(trees)
    assert set(composed) == set(expansions), (
        "a composed audit action site appeared or moved: list what it writes in _expand")
    written = literal.union(*expansions.values())
    assert not any("<composed>" in code for code in written)
    assert len(literal) > 40 and "auth.login" in written and "opportunity.publish" in written
    missing = sorted(written - set(ACTION_LABELS))
    assert not missing, f"audit actions without a label: {missing}"
    stale = sorted(set(ACTION_LABELS) - written)
    assert not stale, f"labels of actions nothing writes: {stale}"


def test_every_object_type_has_a_chinese_label():
    types = set()
    for _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", "") == "audit_type" for t in node.targets):
                types.add(_literal(node.value))
            if isinstance(node, ast.keyword) and node.arg == "object_type" and _literal(node.value):
                types.add(node.value.value)
    types |= set(KIND_LABELS)  # the importer's object_type=kind
    assert {"opportunity", "match", "designation", "subscription"} <= types
    assert not sorted(types - set(OBJECT_TYPE_LABELS) - {None})


def test_labels_are_chinese_and_every_action_is_offered_in_a_filter():
    offered = {value for category in ("business", "account")
               for _, options in action_choices(category) for value, _ in options}
    assert set(ACTION_LABELS) <= offered
    for label in [*ACTION_LABELS.values(), *OBJECT_TYPE_LABELS.values()]:
        assert label and not any("a" <= ch.lower() <= "z" for ch in label), label
