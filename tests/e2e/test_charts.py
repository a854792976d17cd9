"""Charts (static/js/charts.js on the vendored ECharts) in a real browser, under the app's
own Content-Security-Policy: each chart type renders, nothing is refused by the CSP (the
HTML tooltip of ECharts would be: charts.js draws tooltips as richText), a click on a bar
opens the url of its data point, and reduced motion turns animation off.

No route is added to the app: the test page is rendered by the app's Jinja environment
from base.html and macros/charts.html, passed through the app's after_request handlers
(so it carries the real CSP header) and served at a path of the live server by
Playwright's routing. Its scripts load from the live server's /static/."""

import pytest
from flask import render_template_string
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_accessible

pytestmark = pytest.mark.browser

PAGE_PATH = "/__chart-test__"
TARGET = "/__chart-target__/"

PAGE = """{% extends "base.html" %}
{% from "macros/charts.html" import chart, chart_scripts %}
{% block content %}
{% for c in charts %}{{ chart(c.id, c.spec, c.label, c.height) }}{% endfor %}
{% endblock %}
{% block scripts %}{{ chart_scripts() }}{% endblock %}"""

CHARTS = [
    {"id": "progress", "label": "各领域认定进度", "height": None, "spec": {
        "type": "progress", "unit": "项", "items": [
            {"name": "数字政府", "value": 12, "target": 50, "url": TARGET + "progress-0"},
            {"name": "智慧交通", "value": 30, "target": 20, "url": TARGET + "progress-1"},
            {"name": "无目标", "value": 4, "target": None}]}},
    {"id": "by-year", "label": "各年度认定数量", "height": 300, "spec": {
        "type": "bar", "stack": True, "categories": ["2023", "2024", "</script><b>2025"],
        "series": [
            {"name": "机会清单", "data": [3, {"value": 5, "url": TARGET + "bar-2024"}, 7]},
            {"name": "产品清单", "data": [1, 2, {"value": 4, "url": "javascript:alert(1)"}]}]}},
    {"id": "by-field", "label": "各领域数量", "height": None, "spec": {
        "type": "bar", "horizontal": True,
        "items": [{"name": "数字政府", "value": 9, "url": TARGET + "field-1"},
                  {"name": "智慧交通", "value": 4}]}},
    {"id": "stages", "label": "对接漏斗", "height": None, "spec": {
        "type": "stages", "items": [
            {"name": "发布", "value": 120, "url": TARGET + "stage-0"},
            {"name": "揭榜", "value": 45, "url": TARGET + "stage-1"},
            {"name": "签约", "value": 9}]}},
    {"id": "funnel", "label": "对接漏斗（漏斗图）", "height": 260, "spec": {
        "type": "stages", "shape": "funnel", "items": [
            {"name": "发布", "value": 120, "url": TARGET + "funnel-0"},
            {"name": "揭榜", "value": 45}]}},
]

# Collected before any page script runs: CSP refusals and uncaught errors.
WATCH = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});"""


@pytest.fixture(scope="module")
def chart_page(live_server):
    """The test page's status, headers and body, rendered once as the app would."""
    app = live_server.app
    with app.test_request_context(PAGE_PATH):
        response = app.make_response(render_template_string(PAGE, charts=CHARTS))
        response = app.process_response(response)
        return response.status_code, dict(response.headers), response.get_data()


@pytest.fixture
def chart_view(page: Page, chart_page):
    status, headers, body = chart_page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    page.route("**" + PAGE_PATH, lambda route: route.fulfill(status=status, headers=headers,
                                                             body=body))
    page.route("**" + TARGET + "*", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body="<!doctype html><p>ok</p>"))
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.add_init_script(WATCH)

    def open_page():
        page.goto(PAGE_PATH)
        for chart in CHARTS:
            expect(page.locator(f"#{chart['id']}")).to_have_attribute("data-chart-ready", "true")
        return problems
    return open_page


def _click_point(page: Page, chart_id: str, series: int, coords) -> None:
    """Click the pixel of a data point (ECharts' own coordinate conversion)."""
    x, y = page.evaluate(
        """([id, series, coords]) => echarts.getInstanceByDom(document.getElementById(id))
               .convertToPixel({seriesIndex: series}, coords)""", [chart_id, series, coords])
    box = page.locator(f"#{chart_id}").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_every_chart_type_renders_under_the_csp(page: Page, chart_view):
    problems = chart_view()
    for chart in CHARTS:
        container = page.locator(f"#{chart['id']}")
        expect(container).to_have_attribute("role", "img")
        expect(container).to_have_attribute("aria-label", chart["label"])
        expect(container.locator("svg path").first).to_be_attached()
    texts = page.locator("#progress svg text").all_text_contents()
    assert "12 / 50（24%）" in texts and "30 / 20（150%）" in texts and "4" in texts
    assert "</script><b>2025" in page.locator("#by-year svg text").all_text_contents()
    assert "45（38%）" in page.locator("#stages svg text").all_text_contents()
    assert_accessible(page)  # each chart an image named by its label
    # The height from the macro, and the per-row default of horizontal charts (3 rows).
    assert page.locator("#by-year").bounding_box()["height"] == 300
    assert page.locator("#progress").bounding_box()["height"] == 3 * 40 + 40

    # Tooltips (richText) on hover, and a narrower window redraws the charts.
    box = page.locator("#by-year").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 2)
    box = page.locator("#progress").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 30)
    box = page.locator("#funnel").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 30)
    wide = page.locator("#by-year svg").first.get_attribute("width")
    # The richText tooltip is drawn in the chart's own SVG.
    box = page.locator("#stages").bounding_box()
    page.mouse.move(box["x"] + 80, box["y"] + 3 * 40 / 2 + 8)
    expect(page.locator("#stages svg text", has_text="占上一阶段 38%")).to_have_count(1)
    page.set_viewport_size({"width": 480, "height": 900})
    narrow = str(page.locator("#by-year").evaluate("el => el.clientWidth"))
    expect(page.locator("#by-year svg").first).to_have_attribute("width", narrow)
    assert int(narrow) < int(wide)

    assert page.evaluate("window.SiteCharts.safeUrl('javascript:alert(1)')") is None
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


@pytest.mark.parametrize("chart_id, series, coords, target", [
    ("by-year", 0, [1, 2], "bar-2024"),
    ("progress", 3, [10, 0], "progress-0"),
    ("by-field", 0, [4, 0], "field-1"),
    ("stages", 0, [20, 1], "stage-1"),
])
def test_a_click_on_a_data_point_opens_its_url(page: Page, chart_view, chart_id, series,
                                               coords, target):
    chart_view()
    _click_point(page, chart_id, series, coords)
    page.wait_for_url("**" + TARGET + target)


def test_a_point_without_a_safe_url_does_not_navigate(page: Page, chart_view):
    chart_view()
    _click_point(page, "by-year", 1, [2, 8])  # 产品清单 2025: javascript: URL
    _click_point(page, "by-field", 0, [2, 1])  # 智慧交通: no url
    page.wait_for_timeout(200)
    assert page.url.endswith(PAGE_PATH)


def test_reduced_motion_turns_animation_off(page: Page, chart_view):
    animation = "echarts.getInstanceByDom(document.getElementById('by-year')).getOption().animation"
    chart_view()
    assert page.evaluate(animation) is True
    page.emulate_media(reduced_motion="reduce")
    chart_view()
    assert page.evaluate(animation) is False
