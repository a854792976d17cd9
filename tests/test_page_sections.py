"""Sections that higher features show on lower features' pages (marketplace.sections)."""
from marketplace.search.whoosh_backend import WhooshBackend
from marketplace.sections import PageSections


def test_a_section_is_shown_unless_its_provider_has_nothing_or_fails(app, caplog):
    sections = PageSections("test page")
    sections.provide("answer", lambda obj, user: obj * 2)
    sections.provide("nothing", lambda obj, user: None)
    sections.provide("empty", lambda obj, user: [])
    sections.provide("broken", lambda obj, user: 1 / 0)
    with app.app_context():
        shown = sections.gather(21, None)
    assert shown == {"answer": 42, "empty": []}
    assert "section 'broken' of the test page failed" in caplog.text


def test_wiring_a_section_again_replaces_it(app):
    sections = PageSections("test page")
    sections.provide("answer", lambda obj, user: 1)
    sections.provide("answer", lambda obj, user: 2)
    with app.app_context():
        assert sections.gather(None, None) == {"answer": 2}


def test_a_missing_search_index_hides_only_the_look_alike_hint(app, client, make, login_as,
                                                                tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(app.extensions, "search_index", WhooshBackend(tmp_path / "none"))
    department = make.org(kind="department")
    draft = make.opportunity(department, title="尚无索引的停车需求")
    login_as(department.users[0])
    response = client.get(f"/opportunities/{draft.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "尚无索引的停车需求" in html
    assert "提交审核" in html and "已有相似" not in html
    assert "section 'look_alikes' of the listing detail page failed" in caplog.text
