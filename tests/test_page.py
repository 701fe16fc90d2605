"""The page at ``/`` in a real headless Chromium (the system's, driven by Selenium), and its
form without JavaScript through a plain HTTP client.

The browser test needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (Debian's ``chromium``
and ``chromium-driver``; ``.ci/run`` installs them when it runs as root on a machine with apt).
Without them the browser tests are skipped, saying so; the no-JavaScript tests always run.
"""

from __future__ import annotations

import html
import json
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from almamatch.cli.main import main
from almamatch.core.record import Bib
from almamatch.marc import bib_to_marc, bib_to_marcxml, read_bibs
from http_server import EXAMPLES, NOW, running_server
from json_shape import decision_lines

EXPORTS = EXAMPLES / "exports.mrc"
RECORDS = list(read_bibs(EXPORTS))
READABLE = [index for index, item in enumerate(RECORDS) if isinstance(item, Bib)]
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")


def decide_cli(index: int, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["decide", str(EXPORTS), "--index", str(index), "--zone", str(EXAMPLES / "zone"),
          "--profile", str(EXAMPLES / "profiles" / "carli.toml"), "--now", NOW, "--json"])
    (line,) = decision_lines(capsys.readouterr().out)
    return line


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as url:
        yield url


# -- without JavaScript: the form posts and the answer is the whole page -------------------------


def post_form(url: str, fields: dict[str, str], upload: bytes | None = None) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             .encode() for name, value in fields.items()]
    if upload is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     'filename="export.mrc"\r\nContent-Type: application/marc\r\n\r\n'
                     .encode() + upload + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_form_works_without_javascript(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = decide_cli(4, capsys)
    record = RECORDS[4]
    assert isinstance(record, Bib)
    status, page = post_form(server + "/", {"record": bib_to_marcxml(record), "mode": "dry_run",
                                            "now": NOW})
    assert status == 200
    assert f'<p id="host-message">{expected["host_message"]}</p>' in page
    assert expected["host_message"].startswith("Import Failed: ")  # one text, headline included
    assert 'class="blocked"' in page  # the candidates stage blocked
    status, page = post_form(server + "/", {"example": "3", "mode": "dry_run", "now": NOW})
    assert (status, "<mark>" in page) == (200, True)  # a merge: the changed fields highlighted
    # The page now shows example 3 in the text box; picking example 5 sends example 5.
    shown = page.split('spellcheck="false" autocomplete="off">\n')[1].split("</textarea>")[0]
    assert "1028686" in shown
    status, page = post_form(server + "/", {"example": "5", "record": html.unescape(shown),
                                            "mode": "dry_run", "now": NOW})
    assert '<dd id="code">NOT_ADDED_BRIEF</dd>' in page


def test_an_uploaded_file_is_decided(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = decide_cli(6, capsys)
    record = RECORDS[6]
    assert isinstance(record, Bib)
    status, page = post_form(server + "/", {"mode": "dry_run", "now": NOW},
                             upload=bib_to_marc(record))
    assert status == 200
    assert f'<p id="host-message">{expected["host_message"]}</p>' in page
    assert f'<dd id="mms-id">{expected["mms_id"]}</dd>' in page


def test_the_form_says_what_is_missing(server: str) -> None:
    status, page = post_form(server + "/", {"record": "", "mode": "dry_run"})
    assert status == 422
    assert "Paste a record, upload a file or pick an example." in page
    status, page = post_form(server + "/", {"record": "not a record", "mode": "dry_run"})
    assert status == 422
    assert "not ISO 2709, MARCXML or MARC-in-JSON" in page


def test_every_control_of_the_page_has_a_label(server: str) -> None:
    with urllib.request.urlopen(server + "/", timeout=60) as response:
        page = response.read().decode()
    for control in ("record", "file", "example", "logon", "password", "now"):
        assert f'<label for="{control}">' in page
        assert f'id="{control}"' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


# -- in Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (CHROMIUM.exists() and DRIVER.exists()) or shutil.which("chromium") is None:
        pytest.skip("needs the system's Chromium: apt-get install chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 "--window-size=1200,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=str(DRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def submit(driver: Any, *, example: int | None = None, pasted: str | None = None,
           apply: bool = False) -> str:
    """Fill the form as a cataloger does, submit it, and return the host message shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver.execute_script("document.getElementById('result').innerHTML = '';")
    if example is not None:
        Select(driver.find_element(By.ID, "example")).select_by_value(str(example))
    if pasted is not None:
        box = driver.find_element(By.ID, "record")
        box.clear()
        driver.execute_script("arguments[0].value = arguments[1];", box, pasted)
    mode = "apply" if apply else "dry_run"
    driver.find_element(By.CSS_SELECTOR, f"input[name=mode][value={mode}]").click()
    driver.find_element(By.TAG_NAME, "details").click()
    now = driver.find_element(By.ID, "now")
    now.clear()
    now.send_keys(NOW)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    shown = WebDriverWait(driver, 30).until(
        expected_conditions.visibility_of_element_located((By.ID, "host-message")))
    return str(shown.text)


def test_a_cataloger_pastes_a_record_and_reads_the_result(
    browser: Any, server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from selenium.webdriver.common.by import By

    expected = decide_cli(5, capsys)
    record = RECORDS[5]
    assert isinstance(record, Bib)
    browser.get(server + "/")
    assert submit(browser, pasted=bib_to_marcxml(record)) == expected["host_message"]
    assert browser.find_element(By.ID, "code").text == "NOT_ADDED_BRIEF"
    assert browser.find_element(By.ID, "mms-id").text == expected["mms_id"]
    blocked = browser.find_elements(By.CSS_SELECTOR, "table.trace tr.blocked th")
    assert [row.text for row in blocked] == ["brief"]
    assert "Steps to resolve" in browser.find_element(By.ID, "result").text
    browser.save_screenshot(str(tmp_path / "page.png"))
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # about ten seconds: one submission per example
def test_the_page_shows_what_decide_shows_for_every_example(
    browser: Any, server: str, capsys: pytest.CaptureFixture[str],
) -> None:
    browser.get(server + "/")
    for index in READABLE:
        expected = decide_cli(index, capsys)
        assert submit(browser, example=index) == expected["host_message"], index


def test_a_merge_shows_both_records_with_the_changes_marked(
    browser: Any, server: str, tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert submit(browser, example=3).startswith("The record has been processed successfully.")
    captions = [one.text for one in browser.find_elements(By.CSS_SELECTOR, "figure figcaption")]
    assert captions[0].startswith("Existing record, MMS ID")
    assert captions[1] == "Merged record"
    assert browser.find_elements(By.CSS_SELECTOR, "figure li.changed mark")
    browser.save_screenshot(str(tmp_path / "merge.png"))


def test_the_page_fits_a_phone(browser: Any, server: str, tmp_path: Path) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(server + "/")
        submit(browser, example=4)
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width[0] <= width[1]
        browser.save_screenshot(str(tmp_path / "phone.png"))
    finally:
        browser.set_window_size(1200, 900)


def test_applying_from_the_page_keeps_the_bib(server: str, tmp_path: Path) -> None:
    with running_server() as url:
        status, page = post_form(url + "/", {"example": "0", "mode": "apply", "now": NOW})
        assert status == 200
        assert "applied: the zone now holds this outcome" in page
        mms_id = page.split('<dd id="mms-id">')[1].split("<")[0]
        with urllib.request.urlopen(f"{url}/bibs/{mms_id}", timeout=60) as response:
            assert json.loads(response.read())["mms_id"] == mms_id
