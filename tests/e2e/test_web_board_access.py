"""A board on a non-loopback address, as on a workshop's Wi-Fi: who sees what, over HTTP and in headless Chromium.

`tutorial grade --serve 0.0.0.0:PORT --key-file … --links …` runs against the
local cluster. Without a key nothing of the class is shown; the instructor's
key opens everything; a participant's link opens only their own page (and it
updates live); the room view shows counts and no names. No key appears in the
board's output except the one instructor URL. Screenshots go to
$TUTORIAL_TEST_OUTPUT (default .test-output/).
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import json
import shutil
import ssl
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from boards import OUTPUT, WebBoard, free_port, kubectl, manifests, wait_until

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROSTER = "username,name,section\nacc1,Ada Access,S1\nacc2,Abel Access,S2\n"
NAMES = ("acc1", "acc2", "Ada", "Abel")
CLASS = ("/", "/events", "/api/board", "/room", "/room/events", "/p/acc1", "/p/acc1/events", "/p/acc2")


def _local(url: str) -> str:
    """The path and query of a printed link (its host is this machine's outward address; the test uses 127.0.0.1)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _first_update(port: int, path: str, key: str, timeout: float = 20) -> tuple[int, dict | None]:
    """The status of an event stream, and its first `update` event's data (None when refused)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path + "?since=0", headers={"Authorization": f"Bearer {key}"})
        resp = conn.getresponse()
        if resp.status != 200:
            return resp.status, None
        deadline = time.monotonic() + timeout
        event = ""
        while time.monotonic() < deadline:
            line = resp.fp.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "update":
                return 200, json.loads(line[6:])
        return 200, None
    finally:
        conn.close()


def _browser(p, profile: Path):
    return p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
        viewport={"width": 1280, "height": 720},
    )


def test_a_board_on_the_network_shows_each_viewer_only_their_own(kube_api, namespace, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed (apt-get install -y chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    roster, key_file, links_file = tmp_path / "roster.csv", tmp_path / "board.key", tmp_path / "links.csv"
    roster.write_text(ROSTER)
    port = free_port()
    args = ["grade", "storage", "--roster", str(roster), "-n", namespace, "--profile", "local"]
    args += ["--progress", str(tmp_path / "p.json"), "--key-file", str(key_file), "--links", str(links_file)]
    board = WebBoard(args, port, host="0.0.0.0")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        wait_until(board.state, 120, "the web board answers the instructor's key")
        key = board.key
        assert key and key_file.read_text().strip() == key and (key_file.stat().st_mode & 0o077) == 0
        rows = {r["user"] or r["kind"]: r for r in csv.DictReader(links_file.open())}
        assert set(rows) == {"room", "acc1", "acc2"} and rows["acc1"]["name"] == "Ada Access"
        assert (links_file.stat().st_mode & 0o077) == 0 and key not in links_file.read_text()
        acc1_key = rows["acc1"]["url"].split("?key=")[1]
        room_key = rows["room"]["url"].split("?key=")[1]

        # over HTTP: no key, a wrong key, each key on each route
        for path in CLASS:
            status, body = board.get(path) if not path.endswith("events") else (_first_update(port, path, "")[0], "")
            assert status == 401, path
            assert not any(n in body for n in NAMES), (path, body)
            assert board.get(path, "not-the-key-not-the-key")[0] == 403, path
        for path in ("/", "/p/acc1", "/p/acc2", "/room", "/api/board"):
            status, body = board.get(path, key)
            assert status == 200, path
        assert "Ada Access" in board.get("/", key)[1] and _first_update(port, "/events", key)[1] is not None
        assert board.get("/p/acc1", acc1_key)[0] == 200
        update = _first_update(port, "/p/acc1/events", acc1_key)[1]
        assert update is not None and "detail_html" in update and "rows" not in update
        for path in ("/p/acc2", "/", "/room", "/api/board", "/events"):
            assert board.get(path, acc1_key)[0] == 403, path
        status, room = board.get("/room", room_key)
        assert status == 200 and "pvc-bound" in room and not any(n in room for n in NAMES), room
        status, room_event = _first_update(port, "/room/events", room_key)
        assert status == 200 and room_event is not None and not any(n in json.dumps(room_event) for n in NAMES)
        for path in ("/", "/p/acc1", "/api/board"):
            assert board.get(path, room_key)[0] == 403, path

        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            # a participant follows their link: the key leaves the address, the page updates live, nothing else opens
            ctx = _browser(p, tmp_path / "acc1-profile")
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            # the link is followed from another site (a mail, an LMS): the SameSite=Strict cookie must still be set and sent
            page.set_content(f'<a id="mail" href="{base + _local(rows["acc1"]["url"])}">your board</a>')
            page.click("#mail")
            page.wait_for_url(f"{base}/p/acc1", timeout=10_000)
            pvc = page.locator('article[data-check="pvc-bound"]')
            assert pvc.get_attribute("data-status") == "failed" and "Abel" not in page.content()
            kubectl("-n", namespace, "create", "-f", "-", input=manifests("acc1")["pvc.yaml"])
            kubectl("-n", namespace, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc/vol-acc1", "--timeout=300s")
            page.wait_for_selector('article[data-check="pvc-bound"][data-status="passed"]', timeout=30_000)
            assert page.url == f"{base}/p/acc1"  # never reloaded, and no key in the address bar
            page.screenshot(path=str(OUTPUT / "web-access-participant.png"), full_page=True)
            for path in ("/p/acc2", "/", "/room", "/api/board"):
                resp = page.goto(base + path)
                assert resp is not None and resp.status in (401, 403), path
                assert not any(n in page.content() for n in ("acc2", "Abel", "Ada")), path
            resp = page.goto(f"{base}/p/acc2?key={acc1_key}")
            assert resp is not None and resp.status == 403
            assert errors == [], errors
            ctx.close()

            # the room's link on the projector: counts per check, no names, live
            ctx = _browser(p, tmp_path / "room-profile")
            page = ctx.new_page()
            page.goto(base + _local(rows["room"]["url"]))
            page.wait_for_url(f"{base}/room", timeout=10_000)
            page.wait_for_selector('#counts tr[data-check="pvc-bound"] td.count:text("1/2")', timeout=30_000)
            html = page.content()
            assert not any(n in html for n in NAMES), html
            page.screenshot(path=str(OUTPUT / "web-access-room.png"), full_page=True)
            ctx.close()

            # the instructor's URL: everything, and the key leaves the address bar too
            ctx = _browser(p, tmp_path / "instructor-profile")
            page = ctx.new_page()
            page.goto(base + _local(board.instructor_url or ""))
            page.wait_for_url(f"{base}/", timeout=10_000)
            page.wait_for_selector('#row-acc1 td[data-check="pvc-bound"][data-status="passed"]', timeout=30_000)
            assert "Abel Access" in page.locator("#row-acc2").inner_text()
            page.screenshot(path=str(OUTPUT / "web-access-instructor.png"), full_page=True)
            assert page.goto(base + "/p/acc2").status == 200 and page.goto(base + "/room").status == 200
            ctx.close()
        assert board.proc.poll() is None, "the web board must keep running"
    finally:
        code, out, err = board.stop()
        kubectl("-n", namespace, "delete", "pvc", "vol-acc1", "--ignore-not-found", "--wait=true", check=False)
    assert code == 0 and not crashed(err), err
    printed = out + err
    assert printed.count(key) == 1 and f"?key={key}" in printed  # the instructor URL, once
    assert acc1_key not in printed and room_key not in printed and rows["acc2"]["url"].split("?key=")[1] not in printed


def test_tls_self_signed_board_prints_its_fingerprint(kube_api, namespace, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    port = free_port()
    args = ["grade", "storage", "--roster", str(roster), "-n", namespace, "--profile", "local", "--tls", "self-signed"]
    board = WebBoard(args, port, host="0.0.0.0")
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # pinned by the printed fingerprint below
    try:
        wait_until(lambda: board.key and board.get("/healthz", scheme="https", context=context)[0] == 200, 120, "https")
        assert (board.instructor_url or "").startswith("https://")
        printed = next(line for line in board.err_lines if "TLS certificate SHA-256" in line).split()
        with socket_to(port) as raw, context.wrap_socket(raw) as tls_sock:
            der = tls_sock.getpeercert(binary_form=True)
        assert der is not None
        assert printed[3] == ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()) and "(self-signed)" in printed
        assert board.get("/api/board", board.key, scheme="https", context=context)[0] == 200
        assert board.get("/api/board", scheme="https", context=context)[0] == 401
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
        conn.request("GET", f"/?key={board.key}")
        cookie = conn.getresponse().getheader("set-cookie") or ""
        conn.close()
        assert "; Secure" in cookie and "HttpOnly" in cookie
        with pytest.raises((http.client.HTTPException, ConnectionError, OSError)):
            plain = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            plain.request("GET", "/api/board")
            plain.getresponse().read()
    finally:
        code, _out, err = board.stop()
    assert code == 0 and not crashed(err), err


def socket_to(port: int):
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=5)
