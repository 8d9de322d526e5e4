"""text_ml_app's web page, driven in headless Chromium: it loads at the route prefix with and without its last
slash, asking nothing of any host but this one; it offers the targets the API lists; what it shows for a text, a
summary and a file is what the API answers, with each translated sentence linked to its source; a refusal's
message is shown. Skipped where Debian's chromium and chromium-driver are not installed.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers.cluster import HOST, PROXY
from helpers.http import TEXT_ML_ROUTE, ok
from textml.limits import MAX_TEXT_CHARS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGE = f"{PROXY}{TEXT_ML_ROUTE}/"
TEXT = "It was the best of times, it was the worst of times. It was the age of wisdom, it was the age of foolishness."
# The longest a request of these tests takes on the tiny model, with room for a slow CI machine.
ANSWER_S = 60


@pytest.fixture(scope="module")
def browser(cluster):
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (Debian's chromium and chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def load(driver, url: str = PAGE):
    """Opens the page and waits until it has listed the languages."""
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: Select(d.find_element(By.ID, "target")).options or shown_error(d),
        message=f"{url} listed no target languages",
    )
    assert not shown_error(driver), shown_error(driver)


@pytest.fixture
def page(browser):
    load(browser)
    browser.get_log("browser")  # what loading logged (read by the first test): each test reads its own
    return browser


def element(driver, id_: str):
    return driver.find_element(By.ID, id_)


def text_of(driver, id_: str) -> str:
    """An element's text as the page set it (Selenium's `.text` would trim and fold its whitespace)."""
    return element(driver, id_).get_attribute("textContent")


def shown_error(driver) -> str:
    error = element(driver, "error")
    return error.text if error.is_displayed() else ""


def enter(driver, text: str):
    """Sets #text as a paste does, however long the text."""
    script = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))"
    driver.execute_script(script, element(driver, "text"), text)


def click_and_wait(driver, button: str, done=lambda driver: False) -> None:
    """Clicks a button, then waits until its request is answered: `done(driver)`, or a message in #error."""
    element(driver, button).click()
    WebDriverWait(driver, ANSWER_S).until(
        lambda d: not element(d, button).get_attribute("disabled") and (done(d) or shown_error(d)),
        message=f"#{button}'s request was not answered within {ANSWER_S} s",
    )


def local(url: str) -> bool:
    """Whether a URL the page loaded is this host's, or data the page holds itself."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname == HOST


def marked_sources(driver) -> list[str]:
    """The indexes of the sentences marked in the source view."""
    return [span.get_attribute("data-index") for span in driver.find_elements(By.CSS_SELECTOR, "#source-view .active")]


def script_errors(driver) -> list[str]:
    """What the page logged as errors since last asked, but the refused requests the browser logs itself."""
    severe = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    return [message for message in severe if "Failed to load resource" not in message]


def test_page_loads_offline_at_both_addresses_with_the_api_targets(browser):
    targets = requests.get(f"{PROXY}{TEXT_ML_ROUTE}/languages", timeout=30).json()
    for url in (PAGE, PAGE.rstrip("/")):
        load(browser, url)
        requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        elsewhere = [name for name in requested if not local(name)]
        assert not elsewhere, f"{url} asked other hosts: {elsewhere}"
        assert any(name.endswith("/languages") for name in requested), requested
        severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert not severe, severe
        offered = [option.get_attribute("value") for option in Select(element(browser, "target")).options]
        assert sorted(offered) == sorted({code for entry in targets for code in entry["targets"]})
        assert Select(element(browser, "source")).first_selected_option.get_attribute("value") == "auto"


def test_translation_is_the_apis_with_each_sentence_linked_to_its_source(page):
    element(page, "text").send_keys(TEXT)
    Select(element(page, "target")).select_by_value("de")
    click_and_wait(page, "translate", lambda d: d.find_elements(By.CSS_SELECTOR, "#translation .segment"))
    assert not shown_error(page), shown_error(page)
    answer = ok("/translate", {"text": TEXT, "language": "de", "source": "auto"})
    assert len(answer["segments"]) == 2, answer
    assert text_of(page, "translation") == answer["translation"]
    spans = page.find_elements(By.CSS_SELECTOR, "#translation .segment")
    assert [span.get_attribute("textContent") for span in spans] == [s["translation"] for s in answer["segments"]]
    sources = page.find_elements(By.CSS_SELECTOR, "#source-view .segment")
    assert [span.get_attribute("textContent") for span in sources] == [s["source"] for s in answer["segments"]]
    # Pointing at a translated sentence marks its source sentence, and no other.
    index = next(i for i, s in enumerate(answer["segments"]) if s["translation"].strip())
    ActionChains(page).move_to_element(spans[index]).perform()
    WebDriverWait(page, 5).until(lambda d: marked_sources(d) == [str(index)], message=f"source {index} not marked")
    assert "active" in spans[index].get_attribute("class")
    assert text_of(page, "detected") == "Detected: English"
    assert not script_errors(page)


def test_summary_is_the_apis(page):
    element(page, "text").send_keys(TEXT)
    click_and_wait(page, "summarize", lambda d: element(d, "summary-card").is_displayed())
    assert not shown_error(page), shown_error(page)
    assert text_of(page, "summary") == ok("/summarize", {"text": TEXT})["summary"]
    assert not script_errors(page)


def test_a_file_is_translated_and_offered_for_download(page, tmp_path):
    lines = ["It was the best of times.", "It was the worst of times.", "It was the age of wisdom."]
    talk = tmp_path / "talk.txt"
    talk.write_text("\n".join(lines) + "\n")
    Select(element(page, "target")).select_by_value("de")
    element(page, "file").send_keys(str(talk))
    WebDriverWait(page, 60).until(
        lambda d: shown_error(d) or any(link.is_displayed() for link in d.find_elements(By.ID, "download")),
        message="no #download link within 60 s",
    )
    assert not shown_error(page), shown_error(page)
    link = element(page, "download")
    assert link.get_attribute("download").endswith(".txt"), link.get_attribute("download")
    result = requests.get(link.get_attribute("href"), timeout=30)
    assert result.status_code == 200, result.text
    translation = result.content.decode()
    assert translation.strip() and translation != talk.read_text()
    assert len(translation.splitlines()) == len(lines), translation
    assert not script_errors(page)


def test_a_refusal_shows_its_message(page):
    element(page, "translate").click()  # nothing to translate: the page says so itself
    assert shown_error(page)
    enter(page, "x" * (MAX_TEXT_CHARS + 1))
    click_and_wait(page, "translate")
    assert f"the limit is {MAX_TEXT_CHARS:,}" in shown_error(page)
    assert not page.find_elements(By.CSS_SELECTOR, "#translation .segment")
    assert not script_errors(page)
