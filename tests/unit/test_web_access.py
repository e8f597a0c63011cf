"""Who sees what on a keyed web board (one not on loopback): the instructor, one participant, the room, nobody.

The real Starlette application with its guard, through Starlette's TestClient;
the same matrix over a real socket and in Chromium is in tests/e2e/test_web_board_access.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from board_support import StillBoard, report
from starlette.testclient import TestClient

from runner.core.errors import UsageError
from runner.core.redact import Redactor
from runner.grade.live import BoardState
from runner.web.access import BoardKeys, Scope
from runner.web.app import create_app
from runner.web.guard import route_scope
from runner.web.links import BoardLinks

KEYS = BoardKeys("instructor-key-0123456789abcdef")
CLASS_ROUTES = ("/", "/events", "/api/board", "/p/ann", "/p/ann/events", "/room", "/room/events", "/p/bob")
NAMES = ("ann", "bob", "Ann A", "Bob", "ann@example.org", "1001")


def _state() -> BoardState:
    return BoardState(report(), 7, None, frozenset({"ann"}), {"ann": 7, "bob": 3})


def _client(secure: bool = False, status: str | None = None) -> TestClient:
    state = BoardState(report(), 7, status, frozenset({"ann"}), {"ann": 7, "bob": 3})
    app = create_app(StillBoard(state), Redactor(), None, keys=KEYS, secure=secure)
    return TestClient(app, follow_redirects=False)


def _first_event(client: TestClient, path: str, **kw) -> dict:
    with client.stream("GET", path + "?since=0", **kw) as resp:
        assert resp.status_code == 200, path
        for line in resp.iter_lines():
            if line.startswith("data: ") and "version" in line:
                return json.loads(line[6:])
    raise AssertionError(f"no update from {path}")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_no_key_no_class():
    client = _client()
    every_key = (KEYS.instructor, KEYS.room, KEYS.participant("ann"), KEYS.participant("bob"))
    for path in CLASS_ROUTES:
        resp = client.get(path)
        assert resp.status_code == 401, path
        assert resp.headers["www-authenticate"].startswith("Bearer")
        assert resp.headers["content-security-policy"].startswith("default-src 'none'")  # the door's answers too
        assert not any(n in resp.text for n in NAMES) and "Storage" not in resp.text, path
        assert not any(k in resp.text for k in every_key)
    assert client.get("/static/board.js").status_code == 200 and client.get("/healthz").json() == {"ok": True}
    assert client.get("/nowhere").status_code == 401  # an unknown address is the class's, not public


def test_a_wrong_key_is_403_and_is_not_echoed():
    client = _client()
    for path in CLASS_ROUTES:
        resp = client.get(path, params={"key": "guess-guess-guess-guess"})
        assert resp.status_code == 403 and "guess" not in resp.text, path
        assert client.get(path, headers=_bearer("guess-guess-guess")).status_code == 403
        client.cookies.set("board_key", "guess-guess-guess")
        assert client.get(path).status_code == 403
        client.cookies.clear()


def test_the_instructor_key_is_exchanged_for_a_cookie_and_leaves_the_address():
    client = _client()
    resp = client.get("/", params={"key": KEYS.instructor})
    assert resp.status_code == 200 and "row-ann" not in resp.text  # the exchange page shows nothing of the class
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"board_key={KEYS.instructor};") and "Path=/;" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert 'http-equiv="refresh" content="0;url=/"' in resp.text and KEYS.instructor not in resp.text
    # the browser keeps the cookie: every page opens, and the key is no longer in any address
    for path in ("/", "/p/ann", "/p/bob", "/room", "/api/board"):
        assert client.get(path).status_code == 200, path
    assert 'id="row-ann"' in client.get("/").text and '<a href="/room">room view</a>' in client.get("/").text
    assert _first_event(client, "/events")["rows"].keys() == {"ann", "bob"}
    assert _client().get("/api/board", headers=_bearer(KEYS.instructor)).status_code == 200  # scripts: a header
    # other parameters survive the exchange; the key does not
    assert 'content="0;url=/?since=3"' in client.get("/", params={"key": KEYS.instructor, "since": "3"}).text


def test_secure_cookie_under_tls():
    resp = _client(secure=True).get("/", params={"key": KEYS.instructor})
    assert "; Secure" in resp.headers["set-cookie"]


def test_a_participant_key_opens_only_their_own_page():
    client = _client()
    ann = KEYS.participant("ann")
    resp = client.get("/p/ann", params={"key": ann})
    assert resp.status_code == 200 and "set-cookie" in resp.headers
    assert "Path=/p/ann;" in resp.headers["set-cookie"] and "SameSite=Strict" in resp.headers["set-cookie"]
    page = client.get("/p/ann")
    assert page.status_code == 200 and "claim vol-ann is Bound" in page.text
    assert 'data-events="/p/ann/events"' in page.text and '<a href="/">' not in page.text  # no way into the class
    assert "Bob" not in page.text and "bob" not in page.text
    update = _first_event(client, "/p/ann/events")
    assert "detail_html" in update and "rows" not in update and "summary_html" not in update
    for path in ("/p/bob", "/p/bob/events", "/", "/events", "/room", "/room/events", "/api/board"):
        assert client.get(path, params={"key": ann}).status_code == 403, path
        assert client.get(path, headers=_bearer(ann)).status_code == 403, path
    # a key for another user's path is not theirs, even with the right user's name in the URL
    client.cookies.set("board_p", ann)
    assert client.get("/p/bob").status_code == 403


def test_the_room_shows_counts_and_no_names():
    client = _client()
    for how in ({"headers": _bearer(KEYS.room)}, {"headers": _bearer(KEYS.instructor)}):
        page = client.get("/room", **how)
        assert page.status_code == 200
        assert "pvc-bound" in page.text and "1/2" in page.text and "Where the class is stuck" in page.text
        assert not any(n in page.text for n in NAMES), page.text
        event = _first_event(client, "/room/events", **how)
        assert set(event) == {"version", "clock", "status_html", "room_html"}
        assert not any(n in json.dumps(event) for n in NAMES)
    for path in ("/", "/p/ann", "/api/board", "/events"):
        assert client.get(path, headers=_bearer(KEYS.room)).status_code == 403, path
    resp = client.get("/room", params={"key": KEYS.room})
    assert "Path=/room;" in resp.headers["set-cookie"]


def test_route_scopes():
    assert route_scope("/") == (Scope.CLASS, None) and route_scope("/api/board") == (Scope.CLASS, None)
    assert route_scope("/p/ann") == (Scope.PARTICIPANT, "ann") and route_scope("/p/ann/events") == (Scope.PARTICIPANT, "ann")
    assert route_scope("/p/a%20b") == (Scope.PARTICIPANT, "a b")
    assert route_scope("/p/ann/x") == (Scope.CLASS, None)  # not a participant's address: the strictest scope
    assert route_scope("/room/events") == (Scope.ROOM, None) and route_scope("/static/board.css") == (Scope.PUBLIC, None)


def test_derived_keys_differ_and_stay():
    ann, bob = KEYS.participant("ann"), KEYS.participant("bob")
    assert len({ann, bob, KEYS.room, KEYS.instructor}) == 4 and len(ann) == 32
    assert BoardKeys(KEYS.instructor).participant("ann") == ann  # no table: the same key derives the same links
    assert BoardKeys("another-instructor-key-000").participant("ann") != ann
    assert KEYS.instructor not in repr(KEYS) and len(BoardKeys.generate().instructor) >= 43


def test_key_file(tmp_path):
    path = tmp_path / "board.key"
    made = BoardKeys.from_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and BoardKeys.from_file(path) == made
    path.chmod(0o644)
    with pytest.raises(UsageError, match="others can read it; chmod 600"):
        BoardKeys.from_file(path)
    short = tmp_path / "short.key"
    short.write_text("abc\n")
    short.chmod(0o600)
    with pytest.raises(UsageError, match="at least 16 letters, digits, - or _"):
        BoardKeys.from_file(short)
    for bad in ("plus+plus+plus+plus", "semi;semi;semi;semi", "pässwörd-pässwörd-x", "pct%41pct%41pct%41"):
        short.write_text(bad)  # it travels in addresses and cookies: only base64url
        with pytest.raises(UsageError, match="letters, digits, - or _"):
            BoardKeys.from_file(short)
    with pytest.raises(UsageError, match="cannot create it"):
        BoardKeys.from_file(tmp_path / "no" / "such" / "dir" / "k")


def test_links_open_what_they_say():
    links = BoardLinks("http://testserver/", KEYS)
    rows = list(csv.DictReader(io.StringIO(links.csv([("ann", "Ann A"), ("bob", "Bob")]))))
    assert [r["kind"] for r in rows] == ["room", "participant", "participant"]
    assert rows[1] == {"kind": "participant", "user": "ann", "name": "Ann A", "url": links.participant("ann")}
    assert KEYS.instructor not in links.csv([("ann", "")])  # the instructor's key is never in the file
    client = _client()
    for row, ok, denied in ((rows[0], "/room", "/"), (rows[1], "/p/ann", "/p/bob"), (rows[2], "/p/bob", "/room")):
        path_and_key = row["url"].removeprefix("http://testserver")
        assert client.get(path_and_key).status_code == 200  # the exchange
        assert client.get(ok).status_code == 200 and client.get(denied).status_code in (401, 403)
        client.cookies.clear()
    assert BoardLinks("https://b.example/", None).participant("a b") == "https://b.example/p/a%20b"


def test_serve_options_refuse_wrong_combinations(tmp_path):
    from runner.cli.grade import serve_options

    key = str(tmp_path / "k")
    cases = [
        ((("127.0.0.1", 1), None, None, None, None, "c.pem", None), "go together"),
        ((("127.0.0.1", 1), None, None, None, "self-signed", "c.pem", "k.pem"), "not both"),
        ((None, None, None, None, "self-signed", None, None), "add --serve"),
        ((None, None, "links.csv", None, None, None, None), "give --key-file"),
        ((None, key, "links.csv", "board.example", None, None, None), "--url board.example"),
        ((None, None, None, "https://b/", None, None, None), "--url is the web board's address"),
    ]
    for args, words in cases:
        with pytest.raises(UsageError, match=words):
            serve_options(*args)
    assert serve_options(None, None, None, None, None, None, None) is None
    made = serve_options(None, key, "l.csv", "https://b.example:8443", None, None, None)
    assert made.keys == BoardKeys.from_file(key) and made.address is None


def test_self_signed_certificate_names_and_fingerprint(tmp_path):
    from cryptography import x509

    from runner.web.tls import from_files, self_signed

    tls = self_signed(["10.1.2.3", "board.example", "10.1.2.3"])
    try:
        cert = x509.load_pem_x509_certificate(Path(tls.cert).read_bytes())
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert [str(x) for x in alt.get_values_for_type(x509.IPAddress)] == ["10.1.2.3"]
        assert alt.get_values_for_type(x509.DNSName) == ["board.example"]
        assert stat.S_IMODE(os.stat(tls.key).st_mode) == 0o600
        assert len(tls.fingerprint.split(":")) == 32 and from_files(tls.cert, tls.key).fingerprint == tls.fingerprint
    finally:
        tls.discard()
    assert not os.path.exists(tls.cert)
    bad = tmp_path / "c.pem"
    bad.write_text("not a certificate")
    with pytest.raises(UsageError, match="not a PEM certificate"):
        from_files(str(bad), str(bad))


def test_another_apps_cookies_on_the_same_host_do_not_hide_ours():
    client = _client()
    for other in ('other={"a":1}', "x=a b", 'q="x\\y"'):
        client.cookies.clear()
        resp = client.get("/api/board", headers={"cookie": f"{other}; board_key={KEYS.instructor}"})
        assert resp.status_code == 200, other


def test_the_status_line_tells_participants_and_the_room_only_what_it_means():
    leaky = "board error (KeyError: 'bob'); retrying in 8 s"
    client = _client(status=leaky)
    room = client.get("/room", headers=_bearer(KEYS.room)).text
    ann = client.get("/p/ann", headers=_bearer(KEYS.participant("ann"))).text
    assert "bob" not in room and "bob" not in ann and "grading paused" in room and "grading paused" in ann
    assert "bob" not in json.dumps(_first_event(client, "/room/events", headers=_bearer(KEYS.room)))
    assert leaky.replace("'", "&#39;") in client.get("/", headers=_bearer(KEYS.instructor)).text  # the instructor: in full
    unreachable = _client(status="cluster unreachable since 09:40 (s1-bob: refused)")
    assert "the cluster is out of reach" in unreachable.get("/room", headers=_bearer(KEYS.room)).text


def test_odd_requests_get_plain_answers():
    client = _client()
    page = client.get("/p/<i>x", headers=_bearer(KEYS.instructor))
    assert page.status_code == 404 and "<i>x" not in page.text and "&lt;i&gt;x" in page.text
    with client.stream("GET", "/events?since=%C2%B2", headers=_bearer(KEYS.instructor)) as resp:
        assert resp.status_code == 200  # "²" is a digit to Python, not a version: read as 0, not a crash
    assert client.head("/p/bob", headers=_bearer(KEYS.participant("ann"))).status_code == 403
    for path in ("/p/ann/", "/p//ann", "/p/ann%2F..%2Fbob", "/p/ann/x"):
        assert client.get(path, headers=_bearer(KEYS.participant("ann"))).status_code in (403, 404), path


def test_a_loopback_board_with_links_has_keys_and_a_proxy_host_is_accepted():
    from runner.web.server import WebBoard

    board = WebBoard(StillBoard(_state()), Redactor(), "127.0.0.1", 1, base_url="https://board.example/", want_keys=True)
    assert board.keys is not None and "?key=" in board.links.participant("ann")
    assert WebBoard(StillBoard(_state()), Redactor(), "127.0.0.1", 1).keys is None  # the instructor's laptop: as before
    proxied = TestClient(create_app(StillBoard(_state()), Redactor(), None, keys=KEYS), base_url="https://board.example")
    assert proxied.get("/", headers=_bearer(KEYS.instructor)).status_code == 200


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # uvicorn's thread exits on the bind
def test_a_self_signed_key_is_not_left_behind_when_the_board_cannot_listen():
    import socket

    from runner.core.errors import UsageError as Usage
    from runner.web.server import WebBoard
    from runner.web.tls import self_signed

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        tls = self_signed(["127.0.0.1"])
        board = WebBoard(StillBoard(_state()), Redactor(), "127.0.0.1", taken.getsockname()[1], tls=tls)
        with pytest.raises(Usage, match="could not listen there"):
            board.start(timeout=10)
    assert not os.path.exists(tls.cert) and not os.path.exists(tls.key)


def test_a_tls_key_that_is_not_one_is_said():
    from runner.web.tls import from_files, self_signed

    tls = self_signed(["127.0.0.1"])
    try:
        with pytest.raises(UsageError, match=r"--tls-key .*: not a PEM private key"):
            from_files(tls.cert, tls.cert)
        assert from_files(tls.cert, tls.key).fingerprint == tls.fingerprint
    finally:
        tls.discard()
