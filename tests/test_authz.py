"""The permission table itself: names are constants and a misspelt name fails loudly.
(Who may do and see what, route by route, is tests/test_authz_matrix.py.)"""
import pytest
from flask import render_template_string

from marketplace.authz import (
    PLATFORM_ADMIN, ROLE_PERMISSIONS, Permission, can, permission_required, require)


def test_every_permission_is_granted_to_some_role():
    assert set().union(*ROLE_PERMISSIONS.values()) == set(Permission)


@pytest.mark.parametrize("check", [can, require])
def test_a_misspelt_permission_raises(make, check):
    with pytest.raises(ValueError):
        check(make.admin(), "listing.edti")


def test_a_misspelt_permission_fails_when_a_view_declares_it():
    with pytest.raises(ValueError):
        permission_required("audit.veiw")


def test_templates_reject_a_misspelt_permission(ctx):
    assert render_template_string("{{ can('contact.view') }}") == "False"  # anonymous
    with pytest.raises(ValueError):
        render_template_string("{{ can('contact.veiw') }}")


@pytest.mark.parametrize("path, permission", [
    ("/admin/audit", Permission.AUDIT_VIEW),
    ("/admin/organizations", Permission.ACCOUNT_VIEW),  # deciding needs org.review too
    ("/admin/taxonomy", Permission.TAXONOMY_MANAGE),
])
def test_an_admin_page_needs_its_own_permission(make, login_as, monkeypatch, path, permission):
    """admin.access opens the back office; each page also needs what it shows (an
    administrator without audit.view does not read the audit log)."""
    client = login_as(make.admin())
    monkeypatch.setitem(ROLE_PERMISSIONS, PLATFORM_ADMIN,
                        ROLE_PERMISSIONS[PLATFORM_ADMIN] - {permission})
    assert client.get(path).status_code == 403
    assert client.get("/admin/").status_code == 200
