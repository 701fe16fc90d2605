"""Write docs/page.png: the page's result for an example Alma refuses, in headless Chromium.

Run from the checkout with the test extra installed and the system's Chromium
(``apt-get install chromium chromium-driver``)::

    python docs/screenshot.py docs/page.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[1]


def main(target: str) -> None:
    program = "import sys; from almamatch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    server = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-c", program, "serve", "--zone", "examples/zone",
         "--profile", "examples/profiles/carli.toml", "--http", "0", "--no-gateway",
         "--examples", "examples/exports.mrc", "--now", "2026-03-05T10:30"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[0]
        with tempfile.TemporaryDirectory() as profile:
            options = webdriver.ChromeOptions()
            options.binary_location = "/usr/bin/chromium"
            for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", f"--user-data-dir={profile}", "--window-size=900,1100",
                         "--hide-scrollbars"):
                options.add_argument(flag)
            driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(
                executable_path="/usr/bin/chromedriver"))
            try:
                driver.get(url)
                Select(driver.find_element(By.ID, "example")).select_by_value("5")
                driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
                WebDriverWait(driver, 30).until(expected_conditions.visibility_of_element_located(
                    (By.ID, "host-message")))
                driver.execute_script("document.getElementById('result').scrollIntoView();")
                driver.save_screenshot(target)
            finally:
                driver.quit()
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "docs" / "page.png"))
