"""The product in real headless Chromium against the running assistant (make test starts it):
a parent's whole worry conversation by keyboard, a handoff taken by a staff member on the desk,
live messages both ways, the case closed and the assistant back; accessibility (axe-core) of the
chat and the desk; user text shown as text on the desk. Screenshots go to results/screenshots."""

import os
import re
import secrets
import shutil
from pathlib import Path

import pytest

from bot.knowledge.contacts import route

pytestmark = pytest.mark.conversation

WEB_URL = os.environ.get("WEB_URL")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "results" / "screenshots"
HOTLINE = route("hotline")
CASE_CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")
PASSWORD = "browser-test-" + secrets.token_urlsafe(12)
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
TIMEOUT = 30_000  # ms; the assistant answers within a few seconds


@pytest.fixture(scope="module")
def browser():
    if not WEB_URL:
        pytest.skip("no running product: set WEB_URL, or run `make test`, which starts it")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install the Debian package 'chromium' (make test does)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def parent(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


@pytest.fixture(scope="module")
def store():
    from bot.store.engine import make_engine

    engine = make_engine()  # DATABASE_URL of this test run, the same store the product uses
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def staff_account(store):
    from bot.staff.accounts import Role, create_account
    from tests.support.second_factor import enrol

    username = f"desk-{secrets.token_hex(3)}"
    create_account(store, username, PASSWORD, Role.ADMIN)  # its password is final: no change asked for
    enrol(store, username)  # admins must have a second factor
    return username


@pytest.fixture
def staff(browser, store, staff_account):
    from tests.support.second_factor import next_code

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{WEB_URL}/staff")
    page.fill("#username", staff_account)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{WEB_URL}/staff/login/code")
    page.fill("#code", next_code(store, staff_account))
    page.click("button[type=submit]")
    page.wait_for_url(f"{WEB_URL}/staff")
    yield page
    context.close()


# -- helpers --------------------------------------------------------------------------------------

def tab_to(page, selector: str, presses: int = 30) -> None:
    """Press Tab until the element `selector` names has the focus."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with Tab")


def log_in_by_keyboard(page, username: str) -> None:
    page.goto(f"{WEB_URL}/staff/login")
    tab_to(page, "#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


def open_chat_by_keyboard(page) -> None:
    page.goto(f"{WEB_URL}/")
    page.wait_for_selector("[data-hc-ready=true]", state="attached")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "hc-launcher":
            break
    else:
        pytest.fail("the chat's launcher button cannot be reached with Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.testid") == "hc-input"


def messages(page, kind: str) -> list[str]:
    return page.locator(f"[data-testid=hc-message][data-kind={kind}]").all_inner_texts()


def wait_for_message(page, kind: str, pattern: str) -> str:
    """The first message of `kind` whose text matches `pattern`, waiting for it to arrive."""
    locator = page.locator(f"[data-testid=hc-message][data-kind={kind}]", has_text=re.compile(pattern))
    locator.first.wait_for()
    return locator.first.inner_text()


def type_and_send(page, text: str) -> None:
    page.locator("[data-testid=hc-input]").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def press_quick_reply_by_keyboard(page, title: str) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.dataset.testid, document.activeElement.textContent]")
        if focused == ["hc-quick-reply", title]:
            page.keyboard.press("Space")
            return
    pytest.fail(f"no quick reply {title!r} reachable with Tab")


def serious_or_critical(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# -- the whole way: parent, assistant, staff, and back ----------------------------------------------

def test_a_parent_is_guided_by_keyboard_handed_to_staff_and_back_to_the_assistant(parent, staff):
    open_chat_by_keyboard(parent)
    wait_for_message(parent, "bot", "ikke et menneske")
    type_and_send(parent, "jeg er bekymret for min søn, han har ændret sig meget")
    wait_for_message(parent, "bot", "Hvilken kommune")
    type_and_send(parent, "Vi bor i Hellerup")
    wait_for_message(parent, "bot", "Hvor gammel")
    press_quick_reply_by_keyboard(parent, "13-17 år")
    wait_for_message(parent, "bot", "Hvad har du lagt mærke til")
    type_and_send(parent, "han deler videoer der hylder vold og har truet sine klassekammerater")
    advice = wait_for_message(parent, "bot", r"SSP i kommunen \(Gentofte\)")
    assert "Gentofte" in advice
    assert any(HOTLINE.number in text for text in messages(parent, "bot"))
    shot(parent, "01-parent-advice")

    type_and_send(parent, "jeg vil gerne tale med et menneske")
    banner = parent.locator("[data-testid=hc-status-banner]")
    banner.wait_for(state="visible")
    code = parent.locator("[data-testid=hc-case-code]").inner_text().strip()
    assert CASE_CODE.fullmatch(code)
    shot(parent, "02-parent-waiting")

    row = staff.locator(f"#queue-body tr[data-code='{code}']")
    row.wait_for()  # appears in the open queue page by itself
    assert "Gentofte" in row.inner_text() and "I chatten nu" in row.inner_text()
    shot(staff, "03-staff-queue")
    staff.click(f"a[href='/staff/cases/{code}']")
    staff.click("#claim")
    wait_for_message(parent, "status", "har taget din sag")
    staff.fill("#reply", "Hej, jeg hedder Lise og er fra hotlinen. Hvordan har du det?")
    staff.press("#reply", "Enter")
    wait_for_message(parent, "staff", "jeg hedder Lise")

    type_and_send(parent, XSS)
    staff.locator("#live-log li.from-user", has_text="onerror").wait_for()
    assert XSS in staff.locator("#live-log").inner_text()
    assert staff.locator("#live-log img, #live-log script").count() == 0
    assert staff.evaluate("window.__xss") is None
    shot(staff, "04-staff-case-live")
    shot(parent, "05-parent-live")
    assert serious_or_critical(staff) == []  # the case page, with the live chat in it

    staff.select_option("#outcome", "advice_given")
    staff.click("#resolve")
    staff.wait_for_url(f"{WEB_URL}/staff")
    wait_for_message(parent, "status", "Nu skriver du med assistenten igen")
    banner.wait_for(state="hidden")
    before = len(messages(parent, "bot"))
    type_and_send(parent, "tak for hjælpen")
    parent.locator("[data-testid=hc-message][data-kind=bot]").nth(before).wait_for()  # the assistant answers
    shot(parent, "06-parent-back-with-assistant")


# -- the widget on its own ------------------------------------------------------------------------

def test_escape_closes_the_chat_and_returns_focus_to_the_launcher(parent):
    open_chat_by_keyboard(parent)
    parent.keyboard.press("Escape")
    assert parent.locator("[data-testid=hc-panel]").is_hidden()
    assert parent.evaluate("document.activeElement.dataset.testid") == "hc-launcher"


def test_the_conversation_survives_a_reload_and_start_forfra_ends_it(parent):
    open_chat_by_keyboard(parent)
    wait_for_message(parent, "bot", "ikke et menneske")
    before = len(messages(parent, "bot"))
    type_and_send(parent, "hvad er tegn på radikalisering")
    parent.locator("[data-testid=hc-message][data-kind=bot]").nth(before).wait_for()
    shown = parent.locator("[data-testid=hc-message]").all_inner_texts()
    parent.reload()
    parent.wait_for_selector("[data-hc-ready=true]", state="attached")
    assert parent.locator("[data-testid=hc-message]").all_inner_texts()[: len(shown)] == shown
    parent.locator("[data-testid=hc-restart]").click()
    asked = parent.locator("[data-testid=hc-message][data-kind=user]", has_text="hvad er tegn på radikalisering")
    asked.wait_for(state="detached")
    wait_for_message(parent, "bot", "ikke et menneske")  # a new conversation begins


def test_the_emergency_line_is_always_visible_and_the_chat_fits_320_pixels(browser):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    open_chat_by_keyboard(page)
    wait_for_message(page, "bot", "ikke et menneske")
    emergency = page.locator("[data-testid=hc-emergency]")
    assert emergency.is_visible() and "Akut fare? Ring 112" in emergency.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    shot(page, "07-chat-320px")
    context.close()


# -- accessibility --------------------------------------------------------------------------------

def test_the_chat_has_no_serious_accessibility_findings(parent):
    open_chat_by_keyboard(parent)
    wait_for_message(parent, "bot", "ikke et menneske")
    type_and_send(parent, "jeg er bekymret for min søn")
    parent.locator("[data-testid=hc-quick-reply]").first.wait_for()
    assert serious_or_critical(parent) == []


@pytest.mark.parametrize("path", ["/staff", "/staff/stats", "/staff/accounts", "/staff/password", "/staff/totp"])
def test_the_staff_desk_has_no_serious_accessibility_findings(staff, path):
    staff.goto(f"{WEB_URL}{path}")
    assert serious_or_critical(staff) == []


def test_the_login_page_has_no_serious_accessibility_findings(browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{WEB_URL}/staff/login")
    assert serious_or_critical(page) == []
    context.close()


def test_a_new_admin_sets_up_the_second_factor_and_logs_in_with_a_code_by_keyboard(browser, store):
    import pyotp

    from bot.staff.accounts import Role, create_account
    from tests.support.second_factor import next_code

    username = f"ny-{secrets.token_hex(3)}"
    create_account(store, username, PASSWORD, Role.ADMIN)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)

    log_in_by_keyboard(page, username)
    page.wait_for_url(f"{WEB_URL}/staff/totp")  # an admin without a second factor: nothing else first
    page.goto(f"{WEB_URL}/staff/accounts")
    assert page.url == f"{WEB_URL}/staff/totp"
    qr = page.locator("img.qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.querySelector('img.qr').naturalWidth") > 0  # drawn: the CSP allows it
    assert serious_or_critical(page) == []
    shot(page, "10-second-factor-set-up")
    secret = page.locator("[data-testid=totp-secret]").inner_text().replace(" ", "")
    tab_to(page, "#code")
    page.keyboard.type(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    codes = page.locator("[data-testid=recovery-codes] li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert serious_or_critical(page) == []
    shot(page, "11-second-factor-recovery-codes")
    tab_to(page, "a[href='/staff']:not(nav a)", presses=40)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{WEB_URL}/staff")
    page.click("form.logout button")
    page.wait_for_url(f"{WEB_URL}/staff/login")

    log_in_by_keyboard(page, username)
    page.wait_for_url(f"{WEB_URL}/staff/login/code")
    assert serious_or_critical(page) == []
    tab_to(page, "#code")
    page.keyboard.type("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.keyboard.press("Enter")
    page.locator("#code-error").wait_for()
    assert "Koden passer ikke" in page.locator("#code-error").inner_text()
    tab_to(page, "#code")
    page.keyboard.type(next_code(store, username))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{WEB_URL}/staff")
    assert f"Logget ind som {username}" in page.locator(".who").inner_text()
    context.close()


# -- the readiness check for kommune staff ------------------------------------------------------------

def test_a_kommune_employee_takes_the_readiness_check_by_keyboard_and_copies_its_summary(browser):
    import yaml

    responses = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text())["responses"]
    label = {key: responses[f"utter_readiness_label_{key}"][0]["text"] for key in (
        "understanding", "strategy", "stakeholders", "organisation", "procedures", "coordination", "interventions")}
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="da-DK")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=WEB_URL)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    open_chat_by_keyboard(page)
    wait_for_message(page, "bot", "ikke et menneske")
    press_quick_reply_by_keyboard(page, "Jeg arbejder i en kommune")
    wait_for_message(page, "bot", "Spørgsmål 1 af 7")
    press_quick_reply_by_keyboard(page, "Ja")
    wait_for_message(page, "bot", "Spørgsmål 2 af 7")
    type_and_send(page, "delvis")
    wait_for_message(page, "bot", "Spørgsmål 3 af 7")
    type_and_send(page, "blå banan")  # not an answer: a kind word, and the question again with its buttons
    wait_for_message(page, "bot", "Det forstod jeg ikke helt")
    page.locator("[data-testid=hc-message][data-kind=bot]", has_text="Spørgsmål 3 af 7").nth(1).wait_for()
    press_quick_reply_by_keyboard(page, "Nej")
    wait_for_message(page, "bot", "Spørgsmål 4 af 7")
    type_and_send(page, "ved ikke")
    wait_for_message(page, "bot", "Spørgsmål 5 af 7")
    type_and_send(page, "nej ikke rigtigt")
    wait_for_message(page, "bot", "Spørgsmål 6 af 7")
    type_and_send(page, "det har vi ikke")
    wait_for_message(page, "bot", "Spørgsmål 7 af 7")
    press_quick_reply_by_keyboard(page, "Ja")

    wait_for_message(page, "bot", "Det har din kommune allerede")
    wait_for_message(page, "bot", route("center").number)
    summary = page.locator("[data-testid=hc-message][data-kind=bot]", has=page.locator("[data-testid=hc-copy]"))
    summary.first.wait_for()
    assert summary.count() == 1  # only the summary is offered for copying
    shot(page, "12-readiness-result")
    tab_to(page, "[data-testid=hc-copy]", presses=60)
    page.keyboard.press("Enter")
    page.locator("[data-testid=hc-copy-status]", has_text="kopieret").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Tjek af kommunens forebyggelse af ekstremisme")
    for key, answer in [("understanding", "Ja"), ("strategy", "Delvist"), ("stakeholders", "Nej"),
                        ("organisation", "Ved ikke"), ("procedures", "Nej"), ("coordination", "Nej"),
                        ("interventions", "Ja")]:
        assert f"{label[key]}: {answer}" in copied
    assert route("center").number in copied and "<" not in copied
    assert serious_or_critical(page) == []
    context.close()
