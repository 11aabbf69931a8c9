"""The trace dashboard in a real browser (headless Chromium) against a real ``hayhooks run`` server.

Every test starts from an empty trace store (the ``dashboard`` fixture), makes its own traffic with httpx and
watches the page react; console errors and page errors fail the test (see conftest.py). Screenshots of the main
states go to ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, clear_traces, own_dashboard_server, wait_idle
from tests.servers import Server

pytestmark = pytest.mark.e2e

WAIT_MS = 10_000
THEME_KEY = "hayhooks.dashboard.theme"


# --- helpers -------------------------------------------------------------------------------------------------


def run(server: Server, pipeline: str, **inputs: object) -> httpx.Response:
    return httpx.post(f"{server.url}/{pipeline}/run", json=inputs, timeout=30)


def shout(server: Server, text: str = "hi") -> None:
    response = run(server, "shout", text=text)
    assert response.status_code == 200, response.text


def fail(server: Server, text: str) -> None:
    response = run(server, "flaky", text=text)
    assert response.status_code >= 400, response.text


def api_traces(server: Server, headers: dict[str, str] | None = None) -> list[dict]:
    wait_idle(server, headers)
    response = httpx.get(api(server, "/traces"), params={"limit": 100}, headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["traces"]


def open_dashboard(page: Page, server: Server) -> None:
    """Load the page and wait for the live stream, so traffic made afterwards arrives over SSE."""
    page.goto(f"{server.url}/dashboard/")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(page.get_by_test_id("trace-list")).to_have_attribute("aria-busy", "false")


def cards(page: Page):
    return page.get_by_test_id("trace-card")


def card_ids(page: Page) -> list[str]:
    return cards(page).evaluate_all("els => els.map(e => e.dataset.traceId)")


def expand(card) -> None:
    summary = card.locator(".card__summary")
    summary.click()
    expect(summary).to_have_attribute("aria-expanded", "true")


def set_theme(page: Page, theme: str) -> None:
    html = page.locator("html")
    if html.get_attribute("data-theme") != theme:
        page.get_by_test_id("theme-toggle").click()
    expect(html).to_have_attribute("data-theme", theme)


# --- tests ---------------------------------------------------------------------------------------------------


def test_page_loads_with_header_stats_and_empty_state(dashboard: Server, page: Page, artifacts: Path) -> None:
    response = page.goto(f"{dashboard.url}/dashboard/")
    assert response is not None and response.status == 200
    expect(page).to_have_title(re.compile("Trace Dashboard"))

    # store=memory, consistent=true, one worker: one shared in-memory store, not a per-worker view.
    view_mode = page.get_by_test_id("view-mode")
    expect(view_mode).to_have_text(re.compile(r"1 worker\s*·\s*in memory"))
    expect(view_mode).not_to_contain_text("this worker only")
    expect(page.get_by_test_id("live-status")).to_have_text("Live", timeout=WAIT_MS)
    expect(page.get_by_test_id("degraded-badge")).to_have_count(0)

    expect(page.get_by_test_id("stats")).to_be_visible()
    expect(page.get_by_test_id("stat-count")).to_have_text("0")
    expect(page.get_by_test_id("stat-failures")).to_have_text("0")
    expect(page.get_by_test_id("trace-list")).to_be_visible()
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    expect(page.get_by_test_id("empty-state")).to_contain_text("Waiting for traces")
    expect(cards(page)).to_have_count(0)
    # The deployed pipelines are listed even before any trace.
    for name in ("chat", "flaky", "greet", "shout"):
        expect(page.get_by_test_id(f"filter-{name}")).to_be_visible()
    page.screenshot(path=str(artifacts / "empty-1280-light.png"), full_page=True)


def test_empty_state_command_runs_the_pipeline_when_pasted_into_a_shell(dashboard: Server, page: Page) -> None:
    """The suggested curl command sends the example body the server gives for the pipeline: a 200, not a 422."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    open_dashboard(page, dashboard)
    page.get_by_test_id("filter-shout").click()
    command = page.get_by_test_id("empty-command").inner_text()
    assert command.startswith(f"curl -X POST {dashboard.url}/shout/run "), command
    assert command.endswith(""" -d '{"text":"hello"}'"""), command

    done = subprocess.run(
        ["bash", "-c", f"{command} -s -o /dev/null -w '%{{http_code}}'"], capture_output=True, text=True, timeout=30
    )
    assert done.stdout == "200", (done.stdout, done.stderr)
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    expect(cards(page).first).to_have_attribute("data-status", "ok")


def test_empty_state_command_points_at_the_server_root_under_a_custom_dashboard_path(
    server_factory, tmp_path: Path, page: Page
) -> None:
    """With ``--dashboard-path /ops/traces`` the command runs ``<server>/shout/run`` (it was
    ``<server>/ops/traces//shout/run``, a 405)."""
    server = own_dashboard_server(server_factory, tmp_path, HAYHOOKS_DASHBOARD_PATH="/ops/traces")
    base = f"{server.url}/ops/traces/api"
    for _ in range(200):  # the startup deploys' traces stored, then cleared: the list is empty
        if httpx.get(f"{base}/config", timeout=5).json()["stats"]["pending"] == 0:
            break
        time.sleep(0.05)
    assert httpx.post(f"{base}/traces/clear", timeout=10).status_code == 200
    page.goto(f"{server.url}/ops/traces/")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    page.get_by_test_id("filter-shout").click()
    command = page.get_by_test_id("empty-command").inner_text()
    assert command.startswith(f"curl -X POST {server.url}/shout/run "), command


def test_traffic_appears_live_without_reload(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    page.evaluate("window.__sameDocument = true")
    expect(cards(page)).to_have_count(0)

    for text in ("one", "two", "three"):
        shout(dashboard, text)

    expect(cards(page)).to_have_count(3, timeout=WAIT_MS)
    expect(page.get_by_test_id("stat-count")).to_have_text("3")
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of updating live"
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
    stored = [t["trace_id"] for t in api_traces(dashboard)]
    assert sorted(card_ids(page)) == sorted(stored)
    for card in cards(page).all():
        expect(card).to_have_attribute("data-kind", "run")
        expect(card).to_have_attribute("data-status", "ok")
        expect(card.locator(".card__name")).to_have_text("shout")
    expect(page.get_by_test_id("filter-shout")).to_contain_text("3")


def test_pipeline_filter_narrows_list_and_stats(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    shout(dashboard, "a")
    shout(dashboard, "b")
    response = run(dashboard, "greet", name="Ada", place="Turin")
    assert response.status_code == 200, response.text
    expect(cards(page)).to_have_count(3, timeout=WAIT_MS)
    expect(page.get_by_test_id("stat-count")).to_have_text("3")

    page.get_by_test_id("filter-greet").click()
    expect(page.get_by_test_id("filter-greet")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("filter-all")).to_have_attribute("aria-pressed", "false")
    expect(cards(page)).to_have_count(1)
    expect(cards(page).locator(".card__name")).to_have_text("greet")
    expect(page.get_by_test_id("stat-count")).to_have_text("1")
    expect(page.get_by_test_id("stats")).to_have_attribute("aria-label", re.compile("greet"))

    page.get_by_test_id("filter-shout").click()
    expect(cards(page)).to_have_count(2)
    expect(page.get_by_test_id("stat-count")).to_have_text("2")

    page.get_by_test_id("filter-all").click()
    expect(page.get_by_test_id("filter-all")).to_have_attribute("aria-pressed", "true")
    expect(cards(page)).to_have_count(3)
    expect(page.get_by_test_id("stat-count")).to_have_text("3")


def test_expanding_a_trace_shows_the_component_waterfall(dashboard: Server, page: Page, artifacts: Path) -> None:
    open_dashboard(page, dashboard)
    shout(dashboard, "waterfall")
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    card = cards(page).first
    expect(card.get_by_test_id("span-row")).to_have_count(0)

    expand(card)
    rows = card.get_by_test_id("span-row")
    expect(rows.first).to_be_visible()
    upper = rows.filter(has=page.locator(".span-row__name", has_text=re.compile(r"^upper$")))
    exclaim = rows.filter(has=page.locator(".span-row__name", has_text=re.compile(r"^exclaim$")))
    expect(upper).to_have_count(1)
    expect(exclaim).to_have_count(1)
    expect(upper.locator(".span-row__type")).to_have_text(re.compile(r"\bUpper$"))
    expect(exclaim.locator(".span-row__type")).to_have_text(re.compile(r"\bExclaim$"))
    # The components are nested under the run span, in execution order.
    assert int(upper.get_attribute("data-depth") or 0) >= 1
    names = rows.locator(".span-row__name").all_inner_texts()
    assert names.index("upper") < names.index("exclaim"), names
    page.screenshot(path=str(artifacts / "waterfall-1280-light.png"), full_page=True)

    card.locator(".card__summary").click()
    expect(card.get_by_test_id("span-row")).to_have_count(0)


def test_failed_run_shows_error_details_and_stack(dashboard: Server, page: Page, artifacts: Path) -> None:
    open_dashboard(page, dashboard)
    fail(dashboard, "please fail now")
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    card = cards(page).first
    expect(card).to_have_attribute("data-status", "error")
    expect(page.get_by_test_id("stat-failures")).to_have_text("1")

    badge = card.get_by_test_id("failed-badge")
    expect(badge).to_have_text(re.compile("failed", re.I))
    red, green, blue = (int(c) for c in re.findall(r"\d+", badge.evaluate("e => getComputedStyle(e).color"))[:3])
    assert red > 120 and red > green + 50 and red > blue + 50, f"failed badge is not red: {(red, green, blue)}"

    expand(card)
    block = card.get_by_test_id("error-block")
    expect(block).to_be_visible()
    expect(block.locator(".error-block__type")).to_have_text(re.compile(r"\w+Error"))
    expect(block).to_contain_text("please fail now")
    stack = block.get_by_test_id("error-stack")
    expect(stack).to_be_hidden()
    toggle = block.get_by_test_id("error-stack-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(stack).to_be_visible()
    expect(stack).to_contain_text("ValueError")
    expect(stack).to_contain_text("Traceback")
    page.screenshot(path=str(artifacts / "error-1280-light.png"), full_page=True)
    toggle.click()
    expect(stack).to_be_hidden()


def test_waterfall_marks_the_failed_component_and_exposes_nesting(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    fail(dashboard, "fail here")
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    card = cards(page).first
    expand(card)
    rows = card.get_by_test_id("span-row")
    validate = card.get_by_role("button", name=re.compile(r"^validate \(Validate\), .*, failed"))
    expect(validate).to_have_count(1)
    expect(validate).to_have_attribute("data-status", "error")
    expect(validate.get_by_test_id("span-failed")).to_have_text(re.compile("failed", re.I))
    red, green, blue = (int(c) for c in re.findall(
        r"\d+", validate.locator(".span-row__bar").evaluate("e => getComputedStyle(e).backgroundColor"))[:3])
    assert red > 120 and red > green + 50 and red > blue + 50, f"the failed span's bar is not red: {(red, green, blue)}"
    # Each row's nesting level is exposed (1 for the root); the component is nested below the pipeline run.
    levels = rows.evaluate_all("els => els.map(e => Number(e.closest('li').getAttribute('aria-level')))")
    depths = rows.evaluate_all("els => els.map(e => Number(e.dataset.depth))")
    assert levels == [d + 1 for d in depths] and levels[0] == 1, (levels, depths)
    level = int(validate.evaluate("e => e.closest('li').getAttribute('aria-level')"))
    assert level >= 2, level
    # This server says every span's status: none is left unknown.
    statuses = rows.evaluate_all("els => els.map(e => e.dataset.status)")
    assert "unknown" not in statuses, statuses


def test_waterfall_bars_stay_drawn_in_forced_colours(dashboard: Server, page: Page) -> None:
    page.emulate_media(forced_colors="active")  # Windows' high contrast: author background colours are dropped
    open_dashboard(page, dashboard)
    fail(dashboard, "fail here")
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    card = cards(page).first
    expand(card)
    tracks = card.locator(".span-row__track").evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")
    bars = card.locator(".span-row__bar").evaluate_all("els => els.map(e => getComputedStyle(e).backgroundColor)")
    assert bars and all(bar != track for bar, track in zip(bars, tracks, strict=True)), (bars, tracks)


def test_error_message_html_is_rendered_as_text(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    img = 'fail <img src=x onerror="window.__xss=1">'
    script = "fail <script>window.__xss2=1</script>"
    fail(dashboard, img)
    fail(dashboard, script)
    expect(cards(page)).to_have_count(2, timeout=WAIT_MS)
    for card in cards(page).all():
        expand(card)
    blocks = page.get_by_test_id("error-block")
    expect(blocks).to_have_count(2)
    text = "\n".join(blocks.all_inner_texts())
    assert img in text, text
    assert script in text, text
    for toggle in page.get_by_test_id("error-stack-toggle").all():
        toggle.click()  # the stacks hold the same text
    page.wait_for_timeout(300)  # give an injected onerror handler the chance to fire
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__xss2") is None
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("script", has_text="__xss2").count() == 0


def test_sort_toggles_between_newest_and_slowest(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    assert run(dashboard, "sleepy", ms=400).status_code == 200
    shout(dashboard, "quick")
    assert run(dashboard, "sleepy", ms=150).status_code == 200
    shout(dashboard, "quicker")
    expect(cards(page)).to_have_count(4, timeout=WAIT_MS)

    traces = api_traces(dashboard)
    newest = [t["trace_id"] for t in sorted(traces, key=lambda t: t["start_time_ms"], reverse=True)]
    slowest = [t["trace_id"] for t in sorted(traces, key=lambda t: t["duration_ms"], reverse=True)]
    sleepy = [t["duration_ms"] for t in traces if t["entrypoint"] == "sleepy"]
    quick = [t["duration_ms"] for t in traces if t["entrypoint"] == "shout"]
    assert len(sleepy) == len(quick) == 2 and min(sleepy) >= 150 > max(quick), (sleepy, quick)
    assert newest != slowest  # the oldest trace (400 ms) is the slowest: the two orders must differ

    toggle = page.get_by_test_id("sort-toggle")
    expect(toggle).to_have_attribute("data-sort", "newest")
    expect(toggle).to_have_text(re.compile("Newest"))
    assert card_ids(page) == newest

    toggle.click()
    expect(toggle).to_have_attribute("data-sort", "slowest")
    expect(toggle).to_have_text(re.compile("Slowest"))
    expect(cards(page).first).to_have_attribute("data-trace-id", slowest[0])
    assert card_ids(page) == slowest

    toggle.click()
    expect(toggle).to_have_attribute("data-sort", "newest")
    expect(cards(page).first).to_have_attribute("data-trace-id", newest[0])
    assert card_ids(page) == newest


def test_theme_toggle_switches_and_persists(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    html = page.locator("html")
    toggle = page.get_by_test_id("theme-toggle")
    background = "() => getComputedStyle(document.body).backgroundColor"
    expect(html).to_have_attribute("data-theme", "light")  # the context prefers light, nothing stored yet
    assert page.evaluate(f"localStorage.getItem('{THEME_KEY}')") is None
    light_bg = page.evaluate(background)

    toggle.click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_attribute("aria-label", "Switch to light theme")
    assert page.evaluate(background) != light_bg
    assert page.evaluate(f"localStorage.getItem('{THEME_KEY}')") == "dark"

    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.get_by_test_id("theme-toggle")).to_have_attribute("aria-pressed", "true")

    page.get_by_test_id("theme-toggle").click()
    expect(html).to_have_attribute("data-theme", "light")
    assert page.evaluate(background) == light_bg
    page.reload()
    expect(html).to_have_attribute("data-theme", "light")
    assert page.evaluate(f"localStorage.getItem('{THEME_KEY}')") == "light"


def test_clear_asks_for_confirmation_then_empties_everything(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    shout(dashboard, "first")
    shout(dashboard, "second")
    expect(cards(page)).to_have_count(2, timeout=WAIT_MS)

    page.get_by_test_id("clear-button").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Clear all traces?")
    # Cancel keeps everything.
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(cards(page)).to_have_count(2)
    assert len(api_traces(dashboard)) == 2

    page.get_by_test_id("clear-button").click()
    expect(dialog).to_be_visible()
    page.get_by_test_id("clear-confirm").click()
    expect(dialog).to_be_hidden()
    expect(cards(page)).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    expect(page.get_by_test_id("stat-count")).to_have_text("0")
    expect(page.get_by_test_id("notice")).to_contain_text("Cleared 2 traces")
    assert api_traces(dashboard) == []

    shout(dashboard, "after clear")
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    expect(page.get_by_test_id("stat-count")).to_have_text("1")


def test_narrow_screen_has_no_horizontal_scroll(dashboard: Server, page: Page, artifacts: Path) -> None:
    open_dashboard(page, dashboard)
    shout(dashboard, "a fairly long text to shout at the narrow screen")
    fail(dashboard, "fail with a message long enough to wrap on a phone screen, hopefully without overflowing")
    assert run(dashboard, "greet", name="Ada", place="Turin").status_code == 200
    expect(cards(page)).to_have_count(3, timeout=WAIT_MS)
    expand(cards(page).filter(has=page.get_by_test_id("failed-badge")))
    page.wait_for_timeout(200)  # let the entrance highlight settle for the screenshots

    for theme in ("light", "dark"):
        page.set_viewport_size({"width": 1280, "height": 800})
        set_theme(page, theme)
        page.screenshot(path=str(artifacts / f"dashboard-1280-{theme}.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.get_by_test_id("trace-list")).to_be_visible()
        expect(cards(page).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"horizontal scroll at 390 px ({theme}): scrollWidth={width}"
        page.screenshot(path=str(artifacts / f"dashboard-390-{theme}.png"), full_page=True)


def test_keyboard_reaches_controls_with_names_and_focus_ring(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    targets = {
        "search-input": page.get_by_role("searchbox", name=re.compile("Search traces")),
        "sort-toggle": page.get_by_role("button", name=re.compile("^Sort:")),
        "theme-toggle": page.get_by_role("button", name=re.compile("Switch to (dark|light) theme")),
        "clear-button": page.get_by_role("button", name="Clear traces"),
    }
    for testid, by_role in targets.items():
        expect(by_role).to_have_count(1)
        expect(by_role).to_have_attribute("data-testid", testid)

    page.locator("body").focus()
    reached: dict[str, dict] = {}
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                    testid: el.dataset ? el.dataset.testid || null : null,
                    outlineStyle: style.outlineStyle,
                    outlineWidth: parseFloat(style.outlineWidth) || 0,
                    boxShadow: style.boxShadow,
                    focusVisible: el.matches(':focus-visible'),
                };
            }"""
        )
        if focused["testid"] in targets and focused["testid"] not in reached:
            reached[focused["testid"]] = focused
        if len(reached) == len(targets):
            break
    assert set(reached) == set(targets), f"Tab never reached {set(targets) - set(reached)}"
    for testid, style in reached.items():
        assert style["focusVisible"], f"{testid} is not :focus-visible after Tab"
        ring = (style["outlineStyle"] != "none" and style["outlineWidth"] > 0) or style["boxShadow"] != "none"
        assert ring, f"{testid} has no visible focus indicator: {style}"


def test_live_region_announces_new_traces_without_stealing_focus(dashboard: Server, page: Page) -> None:
    open_dashboard(page, dashboard)
    region = page.locator('[aria-live="polite"]').filter(has_text=re.compile("new trace"))
    announcer = page.get_by_test_id("live-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("")  # the initial load is not announced

    search = page.get_by_test_id("search-input")
    search.focus()
    expect(search).to_be_focused()

    shout(dashboard, "x")
    shout(dashboard, "y")
    fail(dashboard, "fail z")
    expect(cards(page)).to_have_count(3, timeout=WAIT_MS)
    expect(region).to_have_count(1, timeout=WAIT_MS)
    # Batched over about a second: normally "3 new traces, 1 failed"; a slow machine may split the batch.
    expect(announcer).to_have_text(re.compile(r"^[1-3] new traces?(, 1 failed)?$"))
    expect(search).to_be_focused()
    assert page.evaluate("document.activeElement.dataset.testid") == "search-input"


def test_token_prompt_rejects_wrong_token_and_accepts_right_one(
    server_factory, tmp_path: Path, console_errors, page: Page, artifacts: Path
) -> None:
    server = own_dashboard_server(server_factory, tmp_path, HAYHOOKS_DASHBOARD_TOKEN="secret")
    assert httpx.get(api(server, "/traces"), timeout=5).status_code == 401
    assert httpx.get(f"{server.url}/dashboard/", timeout=5).status_code == 401
    # The browser logs every 401 answer (the page and the config before login, the wrong token): expected here.
    console_errors.expect(r"status of 401 .*\(http://127\.0\.0\.1:\d+/dashboard/(api/config|api/login)?\)")

    page.goto(f"{server.url}/dashboard/")
    token_input = page.get_by_test_id("token-input")
    expect(token_input).to_be_visible(timeout=WAIT_MS)
    expect(token_input).to_be_focused()
    expect(page.get_by_test_id("live-status")).to_have_text("Sign-in required")
    expect(cards(page)).to_have_count(0)
    page.screenshot(path=str(artifacts / "token-1280-light.png"))

    token_input.fill("wrong")
    page.get_by_test_id("token-submit").click()
    expect(page.get_by_test_id("token-error")).to_be_visible()
    expect(page.get_by_test_id("token-error")).to_contain_text("Wrong token")
    expect(token_input).to_have_attribute("aria-invalid", "true")
    expect(cards(page)).to_have_count(0)

    token_input.fill("secret")
    page.get_by_test_id("token-submit").click()
    expect(page.get_by_test_id("token-dialog")).to_be_hidden(timeout=WAIT_MS)
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expected = api_traces(server, headers={"Authorization": "Bearer secret"})
    assert expected, "the startup deploys left no trace"
    expect(cards(page)).to_have_count(len(expected))
    assert sorted(card_ids(page)) == sorted(t["trace_id"] for t in expected)

    shout(server, "after login")
    expect(cards(page)).to_have_count(len(expected) + 1, timeout=WAIT_MS)


def test_list_cap_above_the_largest_page_loads_that_page_and_grows_live(
    server_factory, tmp_path: Path, page: Page
) -> None:
    """A list cap above the API's largest page: the first read asks for max_limit traces (more is a 422)."""
    server = own_dashboard_server(server_factory, tmp_path, HAYHOOKS_DASHBOARD_TRACE_MAX_LIMIT="5",
                                  HAYHOOKS_DASHBOARD_UI_LIST_CAP="10")
    config = httpx.get(api(server, "/config"), timeout=5).json()
    assert (config["max_limit"], config["list_cap"]) == (5, 10)
    clear_traces(server)
    for i in range(7):
        shout(server, f"before {i}")
    wait_idle(server)

    open_dashboard(page, server)
    expect(cards(page)).to_have_count(5)
    for i in range(4):
        shout(server, f"live {i}")
    expect(cards(page)).to_have_count(9, timeout=WAIT_MS)
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")


def test_filtering_on_a_pipeline_reads_its_traces_from_the_store_beyond_the_loaded_ones(
    server_factory, tmp_path: Path, page: Page
) -> None:
    """The page loads the newest ``list_cap`` traces; a pipeline whose traces are older is read from the store."""
    server = own_dashboard_server(server_factory, tmp_path, HAYHOOKS_DASHBOARD_UI_LIST_CAP="5")
    clear_traces(server)
    assert run(server, "greet", name="Ada", place="Turin").status_code == 200
    for i in range(7):
        shout(server, f"newer {i}")
    wait_idle(server)

    open_dashboard(page, server)
    expect(cards(page)).to_have_count(5)
    # None of the loaded traces is greet's: its count does not claim there are none in the store.
    count = page.get_by_test_id("count-greet")
    expect(count).to_have_text("\u2013")  # an en dash, not 0
    expect(count).to_have_attribute("aria-label", re.compile("among the 5 newest traces loaded"))
    expect(page.get_by_test_id("counts-note")).to_be_visible()

    page.get_by_test_id("filter-greet").click()
    expect(cards(page)).to_have_count(1, timeout=WAIT_MS)
    expect(cards(page).locator(".card__name")).to_have_text("greet")
    expect(count).to_have_text("1")
    expect(count).to_have_attribute("aria-label", "1 trace in the store")
    expect(page.get_by_test_id("stat-count")).to_have_text("1")

    # Live while filtered; other pipelines' traces stay out.
    assert run(server, "greet", name="Bo", place="Oslo").status_code == 200
    shout(server, "while filtered")
    expect(cards(page)).to_have_count(2, timeout=WAIT_MS)
    expect(page.get_by_test_id("stat-count")).to_have_text("2")
    expect(cards(page).locator(".card__name")).to_have_text(["greet", "greet"])

    # The store has no trace of chat: that, and only that, is what the empty list says.
    page.get_by_test_id("filter-chat").click()
    expect(page.get_by_test_id("empty-state")).to_contain_text("No traces of chat in the store", timeout=WAIT_MS)

    page.get_by_test_id("filter-all").click()
    expect(cards(page)).to_have_count(5)
    expect(page.get_by_test_id("stat-count")).to_have_text("5")
    expect(cards(page).first.locator(".card__name")).to_have_text("shout")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")


def test_load_older_traces_pauses_the_feed_and_resume_goes_back_to_the_newest(
    server_factory, tmp_path: Path, page: Page, artifacts: Path
) -> None:
    """The list shows the newest ``list_cap``; older ones come a page (``fetch_limit``) at a time, paused."""
    server = own_dashboard_server(server_factory, tmp_path, HAYHOOKS_DASHBOARD_UI_LIST_CAP="3",
                                  HAYHOOKS_DASHBOARD_UI_FETCH_LIMIT="2")
    clear_traces(server)
    for i in range(6):
        shout(server, f"stored {i}")
    stored = [t["trace_id"] for t in api_traces(server)]
    assert len(stored) == 6

    open_dashboard(page, server)
    expect(cards(page)).to_have_count(3)
    assert card_ids(page) == stored[:3]
    pause = page.get_by_test_id("pause-toggle")
    expect(pause).to_have_attribute("data-paused", "false")

    page.get_by_role("button", name="Load older traces").click()
    expect(cards(page)).to_have_count(5, timeout=WAIT_MS)
    assert card_ids(page) == stored[:5]
    expect(pause).to_have_attribute("data-paused", "true")
    expect(pause).to_have_accessible_name("Paused · 0 new — Resume")
    expect(page.get_by_test_id("older-paused-note")).to_contain_text("resuming goes back to the newest 3")

    # A new trace while paused is counted (and announced), not shown; the store's older traces keep coming.
    shout(server, "while paused")
    expect(page.get_by_test_id("paused-status")).to_have_text("Paused · 1 new", timeout=WAIT_MS)
    expect(page.get_by_test_id("live-announcer")).to_have_text("1 new trace waiting, live feed paused", timeout=WAIT_MS)
    newest = api_traces(server)[0]["trace_id"]
    assert newest not in stored
    expect(page.get_by_test_id("stat-count")).to_have_text("5")
    assert card_ids(page) == stored[:5]

    page.get_by_test_id("load-older").click()
    expect(cards(page)).to_have_count(6, timeout=WAIT_MS)
    expect(page.get_by_test_id("older-none")).to_have_text("No older traces in the store")
    expect(page.get_by_test_id("load-older")).to_have_count(0)
    assert card_ids(page) == stored
    page.screenshot(path=str(artifacts / "older-paused.png"), full_page=True)

    pause.click()
    expect(pause).to_have_attribute("data-paused", "false")
    expect(cards(page)).to_have_count(3)
    assert card_ids(page) == [newest, *stored[:2]]
    expect(page.get_by_test_id("load-older")).to_be_visible()
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
