"""The web board in a real browser: headless Chromium (Debian's) shows the class table change after a participant's step.

`tutorial grade --serve` runs against the local cluster; Playwright drives
/usr/bin/chromium; the page is never reloaded, so what changes arrived over
the board's server-sent events. Screenshots are saved in
$TUTORIAL_TEST_OUTPUT (default .test-output/) for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from boards import OUTPUT, WebBoard, free_port, kubectl, manifests, wait_until

from runner.cli.main import crashed

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _cell(page, user: str, check: str):
    return page.locator(f'#row-{user} td[data-check="{check}"]')


def test_web_board_updates_live_in_chromium(kube_api, namespace, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed (apt-get install -y chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    roster = tmp_path / "roster.csv"
    roster.write_text("username,name,section\nweb1,Wendy Web,S1\nweb2,Walt Web,S2\n")
    port = free_port()
    board = WebBoard(
        [
            "grade",
            "storage",
            "--roster",
            str(roster),
            "-n",
            namespace,
            "--profile",
            "local",
            "--progress",
            str(tmp_path / "p.json"),
        ],
        port,
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    try:
        wait_until(board.state, 120, "the web board answers")
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"),
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
                viewport={"width": 1280, "height": 720},
            )
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(board.url)
            assert page.locator("#board tbody tr").count() == 2
            assert _cell(page, "web1", "pvc-bound").get_attribute("data-status") == "failed"
            assert "Wendy Web" in page.locator("#row-web1").inner_text()
            page.screenshot(path=str(OUTPUT / "web-board-before.png"), full_page=True)

            # web1 creates their claim, as the lesson says; the open page changes without a reload
            kubectl("-n", namespace, "create", "-f", "-", input=manifests("web1")["pvc.yaml"])
            kubectl("-n", namespace, "wait", "--for=jsonpath={.status.phase}=Bound", "pvc/vol-web1", "--timeout=300s")
            assert _cell(page, "web1", "pvc-bound").get_attribute("data-status") in ("failed", "passed")
            page.wait_for_selector('#row-web1 td[data-check="pvc-bound"][data-status="passed"]', timeout=30_000)
            cell = _cell(page, "web1", "pvc-bound").inner_text()
            assert cell.startswith("✓") and ":" in cell  # the time of the first pass
            assert _cell(page, "web2", "pvc-bound").get_attribute("data-status") == "failed"
            assert "1/2" in page.locator("#totals").inner_text()
            page.screenshot(path=str(OUTPUT / "web-board.png"), full_page=True)

            # the participant's page: evidence and hints
            page.goto(board.url + "p/web1")
            article = page.locator('article[data-check="pvc-bound"]')
            assert "claim vol-web1 is Bound" in article.inner_text()
            assert "kubectl get pvc vol-web1 -o yaml" in article.inner_text()
            assert "Hint:" in page.locator('article[data-check="scratch-on-disk"]').inner_text()
            page.screenshot(path=str(OUTPUT / "web-board-participant.png"), full_page=True)
            assert errors == [], errors
            ctx.close()
        assert board.proc.poll() is None, "the web board must keep running"
    finally:
        code, _out, err = board.stop()
        kubectl("-n", namespace, "delete", "pvc", "vol-web1", "--ignore-not-found", "--wait=true", check=False)
    assert code == 0 and not crashed(err), err
