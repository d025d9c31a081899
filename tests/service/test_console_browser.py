"""The console in a real headless Chromium (Debian's ``chromium`` and ``chromedriver``),
driven through each page and action against the service and the emulator, by keyboard where a
person would type; screenshots at desktop and phone width are saved under
``tests/artifacts/`` and checked to be pictures, not blank pages.

Outside CI a missing browser skips these tests; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wxcomponent.emulator import EmulatorServer

from ..support.console import OPERATORS, PASSWORD, ship_to
from ..support.receiver import SECRET, receiver
from ..support.service import API_KEY, APPID, Running, running
from ..support.waiting import wait_for_async

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESKTOP = (1280, 800)
PHONE = (390, 844)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--window-size={DESKTOP[0]},{DESKTOP[1]}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module, with a fresh profile."""
    found = all(Path(p).exists() for p in (CHROMIUM, CHROMEDRIVER))
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        found = False
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium, chromedriver and selenium are needed under CI "
                        "(.ci/run installs chromium and chromium-driver)")
        pytest.skip("chromium and chromium-driver are not installed")
    profile = tempfile.mkdtemp(prefix="wxcomponent-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(10)  # finding an element waits for the page that brings it
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# --------------------------------------------------------------------------- helpers


def png_is_a_picture(data: bytes, width: int) -> None:
    """The PNG is ``width`` pixels wide and not one colour: its rows decoded, its pixels
    take many values."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + length
    shown_width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    assert shown_width == width
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = shown_width * channels
    previous = bytearray(stride)
    pixels: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        if row % 8 == 0:
            pixels.update(bytes(line[i:i + 3]) for i in range(0, stride, channels * 4))
        previous = line
    assert len(pixels) >= 8, f"a blank picture ({len(pixels)} colours)"


def snap(driver: Any, name: str) -> None:
    """Screenshots of the current page at desktop and phone width, saved and checked; at
    phone width the page must not scroll sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": label == "phone"})
        data = driver.get_screenshot_as_png()
        (ARTIFACTS / f"console-{name}-{label}.png").write_bytes(data)
        png_is_a_picture(data, width)
        if label == "phone":
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} scrolls sideways at phone width by {overflow}px"
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def text_of(driver: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def click(driver: Any, css: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, css).click()


def type_into(driver: Any, css: str, text: str, *, enter: bool = False) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element(By.CSS_SELECTOR, css)
    field.clear()
    field.send_keys(text + (Keys.ENTER if enter else ""))


def wait_for_url(driver: Any, test: Any) -> None:
    """Wait until the browser is at a page whose URL passes ``test`` (after a submit)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(lambda d: test(d.current_url))


def wait_for_text(driver: Any, text: str) -> None:
    """Wait until the page shows ``text`` (after a click that loads another page)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(lambda d: text in d.page_source)


def no_csp_violation(driver: Any) -> None:
    problems = [entry["message"] for entry in driver.get_log("browser")
                if "Content Security Policy" in entry["message"]
                or (entry["level"] == "SEVERE" and "Failed to load resource" not in
                    entry["message"])]  # the 401 and 404 pages the tour asked for
    assert not problems, problems


# --------------------------------------------------------------------------- the tour


async def _prepare(svc: Running, hooked: Any) -> str:
    await svc.push_ticket()
    appid = await svc.authorize_by_push()
    await asyncio.to_thread(hooked.wait_for, 1)
    await asyncio.to_thread(ship_to, svc, ["summer-menu"])
    return appid


async def test_every_page_and_action_in_a_real_browser(
        wechat_emulator: EmulatorServer, browser: Any) -> None:
    with receiver() as hooked:
        hooks = [{"name": "app", "url": f"{hooked.url}/hook", "secret": SECRET}]
        async with running(wechat_emulator, webhooks=hooks, operators=OPERATORS) as svc:
            appid = await _prepare(svc, hooked)
            await asyncio.to_thread(_tour, browser, svc, appid)


def _tour(driver: Any, svc: Running, appid: str) -> None:
    from selenium.webdriver.common.by import By

    admin = svc.server.admin_url
    base = f"{admin}/console/{APPID}"
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"})
    driver.delete_all_cookies()

    # a page without a session leads to sign-in; a wrong password is refused
    driver.get(f"{base}/authorizers")
    assert driver.current_url.startswith(f"{admin}/console/signin")
    snap(driver, "signin")
    type_into(driver, "#name", "alice")
    type_into(driver, "#password", "not the password", enter=True)
    assert "Wrong name or password" in text_of(driver, ".problem")
    type_into(driver, "#name", "alice")
    type_into(driver, "#password", PASSWORD, enter=True)  # by keyboard, back to the page
    wait_for_url(driver, lambda url: url == f"{base}/authorizers")
    wait_for_text(driver, appid)

    # overview: times in the viewer's zone, set by the script
    driver.get(f"{base}/")
    wait_for_text(driver, "Sign out alice")
    when = driver.find_element(By.CSS_SELECTOR, "time")
    assert "UTC" in str(when.get_attribute("title")) and "GMT+8" in when.text
    snap(driver, "overview")

    # authorizers: search, open one
    driver.get(f"{base}/authorizers")
    type_into(driver, "#q", appid[:8], enter=True)
    wait_for_url(driver, lambda url: "q=" in url)
    wait_for_text(driver, appid)
    snap(driver, "authorizers")
    click(driver, f'a[href$="/authorizers/{appid}"]')
    wait_for_text(driver, "Refresh its token")
    assert text_of(driver, "h1").split()[0] == appid  # and its name, read after the exchange
    snap(driver, "authorizer")

    # refresh its token: a confirmation page first, then done
    click(driver, f'a[href$="/authorizers/{appid}/refresh"]')
    wait_for_text(driver, "Fetch a new access token")
    snap(driver, "confirm")
    before = svc.emu.calls("/cgi-bin/component/api_authorizer_token")
    click(driver, "#confirm")
    assert "has a new access token" in text_of(driver, ".ok")
    assert svc.emu.calls("/cgi-bin/component/api_authorizer_token") == before + 1

    # a link: form, confirmation, URL and QR code; the copy button copies
    driver.get(f"{base}/links")
    type_into(driver, "#tenant", "customer-42")
    click(driver, 'form button[type="submit"]:not(.link)')
    wait_for_text(driver, "customer-42")
    click(driver, "#confirm")
    url = driver.find_element(By.ID, "url").get_attribute("value")
    assert url.startswith(svc.server.url) and "link=" in url
    assert driver.find_elements(By.CSS_SELECTOR, ".qr svg")
    click(driver, "button[data-copy]")
    wait_for_text(driver, ">Copied<")
    snap(driver, "link")

    # pushes: the delivered authorization, replayed
    driver.get(f"{base}/pushes")
    wait_for_text(driver, "authorized")
    snap(driver, "pushes")
    job = svc.store.list_jobs(APPID, topic="deliver:app")[0]
    click(driver, f'a[href$="/pushes/{job.id}"]')
    wait_for_text(driver, f"Delivery {job.id}")
    snap(driver, "push")
    click(driver, f'a[href$="/pushes/{job.id}/replay"]')
    wait_for_text(driver, "Replay it")
    click(driver, "#confirm")
    assert "queued again" in text_of(driver, ".ok")

    # releases: the shipments listed with their counts, one opened, one looked for by name
    driver.get(f"{base}/releases")
    wait_for_text(driver, "summer-menu")
    assert "1.0.0" in text_of(driver, "table.shipments")
    snap(driver, "releases")
    click(driver, 'a[href$="/releases?shipment=summer-menu"]')
    wait_for_text(driver, "All shipments")
    assert "the menu page is empty" in text_of(driver, "table")
    snap(driver, "shipment")
    click(driver, 'a[href$="/releases"]')
    type_into(driver, "#shipment", "spring-menu", enter=True)
    wait_for_url(driver, lambda url: "shipment=spring-menu" in url)
    wait_for_text(driver, "No shipment named spring-menu")

    # bad input is a page, not an error
    driver.get(f"{base}/authorizers/wx0000000000000000")
    assert "No account wx0000000000000000" in text_of(driver, ".problem")
    snap(driver, "problem")

    # forget the account
    driver.get(f"{base}/authorizers/{appid}")
    click(driver, f'a[href$="/authorizers/{appid}/forget"]')
    wait_for_text(driver, "Forget it")
    click(driver, "#confirm")
    assert "marked revoked" in text_of(driver, ".ok")
    record = svc.store.get_authorizer(APPID, appid)
    assert record is not None and record.status == "revoked"
    no_csp_violation(driver)

    # sign out everywhere: alice's other session (another client) ends with this one
    with httpx.Client(base_url=admin, trust_env=False) as other:
        signed = other.post("/console/signin", data={"name": "alice", "password": PASSWORD})
        assert signed.status_code == 303
        assert other.get(f"{base}/").status_code == 200
        driver.get(f"{base}/")
        click(driver, "#signout-everywhere")
        wait_for_url(driver, lambda url: url == f"{admin}/console/signin?everywhere=1")
        assert "signed out everywhere" in text_of(driver, ".ok")
        snap(driver, "signed-out")
        ended = other.get(f"{base}/")
        assert ended.status_code == 303 and "ended=1" in ended.headers["location"]
    driver.get(f"{base}/")
    assert driver.current_url.startswith(f"{admin}/console/signin")
    assert API_KEY not in driver.page_source


async def test_a_name_typed_into_the_search_finds_the_account_and_its_status_fits_a_phone(
        wechat_emulator: EmulatorServer, browser: Any) -> None:
    async with running(wechat_emulator) as svc:
        await svc.push_ticket()
        appid = await svc.authorize_by_push()
        await wait_for_async(lambda: svc.store.get_authorizer(APPID, appid).name)  # type: ignore[union-attr]
        svc.store.set_authorizer_name(APPID, appid, "TeaHouseOfTheLongAfternoon")
        await asyncio.to_thread(_search_on_a_phone, browser, svc, appid)


def _search_on_a_phone(driver: Any, svc: Running, appid: str) -> None:
    from selenium.webdriver.common.by import By

    admin = svc.server.admin_url
    base = f"{admin}/console/{APPID}"
    driver.delete_all_cookies()
    driver.get(f"{admin}/console/signin")
    type_into(driver, "#password", API_KEY, enter=True)
    wait_for_text(driver, "Overview")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
    try:
        driver.get(f"{base}/authorizers")
        type_into(driver, "#q", "teahouse", enter=True)  # a name, typed as a person would
        wait_for_url(driver, lambda url: "q=teahouse" in url)
        wait_for_text(driver, appid)
        headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "thead th")]
        row = driver.find_element(By.XPATH, f"//tr[td/a[contains(@href, '{appid}')]]")
        status = row.find_elements(By.TAG_NAME, "td")[headers.index("status")]
        assert status.text == "authorized"
        # what is shown: inside the screen, and inside the table's box (which would scroll)
        right, shown = driver.execute_script(
            "const box = arguments[0].closest('.scroll') || document.body;"
            "return [arguments[0].getBoundingClientRect().right,"
            " Math.min(window.innerWidth, box.getBoundingClientRect().right)]", status)
        assert right <= shown, f"the status ends at {right}px, beyond what shows ({shown}px)"
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
