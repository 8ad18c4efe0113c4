"""Signing in and out, throttling, sessions, the trusted proxy header, and the users CLI."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, select, text

from tests.conftest import ADMIN, PASSWORD, VIEWER, csrf_token, signed_in
from webapp.auth.service import Throttled, authenticate
from webapp.extensions import db
from webapp.models import AuditEvent, SignInFailure, User, utcnow

GENERIC = "The username or password is wrong."
WRITE = re.compile(r'\s*(INSERT|UPDATE|DELETE)\s+(?:INTO\s+|FROM\s+)?"?(\w+)', re.IGNORECASE)


def sign_in(client, username, password, next_url="", **environ):
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"username": username, "password": password,
                                         "next": next_url, "csrf_token": token},
                       **({"environ_base": environ} if environ else {}))


def audit(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_signing_in_opens_a_fresh_session_and_goes_where_the_user_was_going(app):
    client = app.test_client()
    first = client.get("/charts")
    assert first.headers["Location"] == "/sign-in?next=/charts"

    response = sign_in(client, ADMIN, PASSWORD, next_url="/charts")

    assert response.status_code == 303
    assert response.headers["Location"] == "/charts"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # a permanent session, ending after SESSION_LIFETIME
    assert "Secure" not in cookie  # plain http here
    assert client.get("/charts").status_code == 200
    assert [event.actor for event in audit(app, "sign_in")] == [ADMIN]


@pytest.mark.parametrize(("username", "password"), [(ADMIN, "wrong password!"),
                                                    ("nobody", PASSWORD)])
def test_a_failed_sign_in_says_the_same_whatever_was_wrong(app, username, password):
    response = sign_in(app.test_client(), username, password)

    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)
    assert PASSWORD not in response.get_data(as_text=True)


def test_a_failed_sign_in_names_an_account_in_the_audit_log_only_if_it_exists(app):
    sign_in(app.test_client(), ADMIN, "wrong password!")
    sign_in(app.test_client(), "nobody", PASSWORD)

    assert [event.target for event in audit(app, "sign_in_failed")] == [ADMIN, "unknown user"]


def test_a_password_typed_as_the_username_is_kept_nowhere_in_the_audit_log(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=1, SIGN_IN_DELAY_SECONDS=60)
    typed = "Hunter2-my.real@password"  # a valid username by its characters

    assert sign_in(app.test_client(), typed, "wrong password!").status_code == 401
    assert sign_in(app.test_client(), typed, "wrong password!").status_code == 429

    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_event")).all()
    assert rows
    assert not [row for row in rows if typed in repr(tuple(row))]
    assert [event.target for event in audit(app, "sign_in_throttled")] == ["unknown user"]


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil", "/\\/evil.example",
    "///evil.example", "/\t/evil.example", "\t//evil.example", "/\n/evil.example",
    "/\r\nX-Injected: 1", "/charts\r\nX-Injected: 1", "/\x00/evil.example",
    "/\x7f/evil.example", "javascript:alert(1)", " //evil.example", "evil.example"])
def test_the_next_address_never_leaves_the_app(app, target):
    response = sign_in(app.test_client(), ADMIN, PASSWORD, next_url=target)

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers


@pytest.mark.parametrize("target", ["/charts?tab=values", "/%09/evil.example", "/a b"])
def test_a_next_path_of_this_app_is_kept_and_stays_on_this_host(app, target):
    response = sign_in(app.test_client(), ADMIN, PASSWORD, next_url=target)

    location = urlsplit(response.headers["Location"])
    assert response.status_code == 303
    assert (location.scheme, location.netloc) == ("", "")
    assert response.headers["Location"].startswith("/")
    assert not response.headers["Location"].startswith("//")


def test_failed_sign_ins_per_account_are_throttled_even_from_new_addresses(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=3, SIGN_IN_DELAY_SECONDS=60)
    client = app.test_client()
    for number in range(3):
        address = {"REMOTE_ADDR": f"10.0.0.{number}"}
        assert sign_in(client, ADMIN, "wrong password!", **address).status_code == 401

    refused = sign_in(client, ADMIN, PASSWORD, REMOTE_ADDR="10.0.0.99")

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert sign_in(client, VIEWER, PASSWORD, REMOTE_ADDR="10.0.0.99").status_code == 303


def test_failed_sign_ins_per_address_are_throttled_whatever_the_account(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=3, SIGN_IN_DELAY_SECONDS=60)
    client = app.test_client()
    for number in range(3):
        sign_in(client, f"guess{number}", "wrong password!", REMOTE_ADDR="192.0.2.7")

    assert sign_in(client, ADMIN, PASSWORD, REMOTE_ADDR="192.0.2.7").status_code == 429
    assert sign_in(client, ADMIN, PASSWORD, REMOTE_ADDR="192.0.2.8").status_code == 303


@pytest.mark.databases
def test_the_wait_doubles_with_each_further_failure(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=2, SIGN_IN_DELAY_SECONDS=10)
    with app.app_context():
        db.session.add(SignInFailure(key="user:admin", failures=5,
                                     last_failure_at=utcnow() - timedelta(seconds=30)))
        db.session.commit()

    refused = sign_in(app.test_client(), ADMIN, PASSWORD)

    # 10 s * 2^(5-2) = 80 s after the last failure, 30 s ago: about 50 s to go.
    assert 45 <= int(refused.headers["Retry-After"]) <= 51


def failures(app) -> dict[str, int]:
    with app.app_context():
        return {row.key: row.failures for row in db.session.scalars(select(SignInFailure))}


@pytest.mark.databases
def test_parallel_wrong_passwords_get_no_more_tries_than_the_limit(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=3, SIGN_IN_DELAY_SECONDS=60)
    attempts = 12
    start = threading.Barrier(attempts)
    outcomes = []

    def attempt():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(authenticate(ADMIN, "wrong password!", "198.51.100.1"))
            except Throttled:
                outcomes.append("throttled")

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str) == [None] * 3 + ["throttled"] * (attempts - 3)
    assert failures(app) == {"user:admin": 3, "addr:198.51.100.1": 3}


def test_a_refused_attempt_while_waiting_does_not_lengthen_the_wait(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=2, SIGN_IN_DELAY_SECONDS=60)
    client = app.test_client()
    for _ in range(2):
        sign_in(client, ADMIN, "wrong password!")

    for _ in range(3):
        assert sign_in(client, ADMIN, PASSWORD).status_code == 429

    assert failures(app)["user:admin"] == 2


def test_the_right_password_after_the_wait_signs_in_and_clears_the_count(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=2, SIGN_IN_DELAY_SECONDS=10)
    with app.app_context():
        db.session.add_all([SignInFailure(key=key, failures=4,
                                          last_failure_at=utcnow() - timedelta(seconds=41))
                            for key in ("user:admin", "addr:127.0.0.1")])
        db.session.commit()

    # 10 s * 2^(4-2) = 40 s after the last failure, 41 s ago: the wait is over.
    assert sign_in(app.test_client(), ADMIN, PASSWORD).status_code == 303
    assert failures(app) == {}


def test_a_wrong_password_after_the_wait_is_tried_and_doubles_the_wait(make_app):
    app = make_app(SIGN_IN_FAILURE_LIMIT=2, SIGN_IN_DELAY_SECONDS=10)
    with app.app_context():
        db.session.add(SignInFailure(key="user:admin", failures=2,
                                     last_failure_at=utcnow() - timedelta(seconds=11)))
        db.session.commit()
    client = app.test_client()

    assert sign_in(client, ADMIN, "wrong password!").status_code == 401
    refused = sign_in(client, ADMIN, PASSWORD)

    assert refused.status_code == 429
    assert 10 < int(refused.headers["Retry-After"]) <= 20
    assert failures(app)["user:admin"] == 3


def test_signing_out_ends_the_session(app):
    client = signed_in(app)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})

    assert response.headers["Location"] == "/sign-in"
    assert client.get("/charts").status_code == 303


def test_a_password_change_ends_every_other_session(app):
    mine, other = signed_in(app), signed_in(app)
    token = csrf_token(mine, "/account/password")

    response = mine.post("/account/password", data={
        "current": PASSWORD, "new": "a brand new passphrase", "confirm": "a brand new passphrase",
        "csrf_token": token})

    assert response.status_code == 200
    assert "Your password is changed" in response.get_data(as_text=True)
    assert mine.get("/charts").status_code == 200
    assert other.get("/charts").status_code == 303
    assert sign_in(app.test_client(), ADMIN, "a brand new passphrase").status_code == 303


def test_a_short_new_password_is_refused(app):
    client = signed_in(app)
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "short", "confirm": "short",
        "csrf_token": csrf_token(client, "/account/password")})

    assert response.status_code == 422
    assert "at least 12 characters" in response.get_data(as_text=True)


def test_the_session_cookie_is_secure_over_https(make_app):
    app = make_app(PROXY_HOPS=1)
    client = app.test_client()
    token = csrf_token(client, "/sign-in")

    response = client.post("/sign-in", data={"username": ADMIN, "password": PASSWORD,
                                              "csrf_token": token},
                           headers={"X-Forwarded-Proto": "https",
                                    # over https Flask-WTF also checks the referrer
                                    "Referer": "https://localhost/sign-in"})

    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


@pytest.fixture
def proxied(make_app):
    return make_app(TRUSTED_PROXY_HEADER="X-Forwarded-User", TRUSTED_PROXIES="10.1.0.0/16",
                    ADMIN_USERS="boss")


def test_a_trusted_proxy_signs_its_user_in_as_a_viewer_on_first_sight(proxied):
    client = proxied.test_client()
    headers = {"X-Forwarded-User": "carol"}

    page = client.get("/charts", headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"})

    assert page.status_code == 200
    assert "carol" in page.get_data(as_text=True)
    with proxied.app_context():
        user = db.session.scalar(select(User).where(User.username == "carol"))
        assert (user.role, user.source, user.password_hash) == ("viewer", "proxy", None)
    refused = client.post("/applications", headers=headers,
                          environ_base={"REMOTE_ADDR": "10.1.2.3"},
                          data={"name": "x", "csrf_token": csrf_token(client, "/sign-in")})
    assert refused.status_code == 403


@pytest.mark.databases
def test_parallel_first_requests_of_a_new_proxy_user_all_succeed_with_one_account(proxied):
    statuses = []
    start = threading.Barrier(6)

    def first_request():
        client = proxied.test_client()
        start.wait(10)
        statuses.append(client.get("/charts", headers={"X-Forwarded-User": "dave"},
                                   environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code)

    threads = [threading.Thread(target=first_request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [200] * 6
    with proxied.app_context():
        assert db.session.scalars(select(User.username)
                                  .where(User.username == "dave")).all() == ["dave"]


def test_a_trusted_proxy_user_listed_as_admin_may_change(proxied):
    client = proxied.test_client()
    environ = {"REMOTE_ADDR": "10.1.9.9"}
    token = csrf_token(client, "/sign-in")

    response = client.post("/applications", data={"name": "shop", "csrf_token": token},
                           headers={"X-Forwarded-User": "boss"}, environ_base=environ)

    assert response.status_code == 303


def writes_during(app, request):
    """The INSERT, UPDATE and DELETE statements the database saw while request ran."""
    seen = []

    def note(_connection, _cursor, statement, *_args):
        write = WRITE.match(statement)
        if write:
            seen.append(f"{write[1].upper()} {write[2]}")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        response = request()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200
    return seen


def test_a_get_by_a_known_proxy_user_whose_role_holds_writes_nothing(proxied):
    client = proxied.test_client()

    def get(name):
        return lambda: client.get("/charts", headers={"X-Forwarded-User": name},
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"})

    assert writes_during(proxied, get("carol")) == ["INSERT user_account", "INSERT audit_event"]
    assert writes_during(proxied, get("carol")) == []
    assert writes_during(proxied, get("boss")) == ["INSERT user_account", "INSERT audit_event"]
    assert writes_during(proxied, get("boss")) == []


def test_a_get_by_a_proxy_user_writes_once_when_the_admin_list_changes_the_role(make_app):
    def app_listing(admins):
        return make_app(TRUSTED_PROXY_HEADER="X-Forwarded-User", TRUSTED_PROXIES="10.1.0.0/16",
                        ADMIN_USERS=admins)

    def get(app):
        client = app.test_client()
        return lambda: client.get("/charts", headers={"X-Forwarded-User": "carol"},
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"})

    before, after = app_listing(""), app_listing("carol")
    writes_during(before, get(before))

    assert writes_during(after, get(after)) == ["UPDATE user_account", "INSERT audit_event"]
    assert writes_during(after, get(after)) == []
    assert [event.details["role"] for event in audit(after, "role_changed")] == ["admin"]


def test_the_header_from_an_untrusted_address_is_ignored(proxied, caplog):
    response = proxied.test_client().get("/charts", headers={"X-Forwarded-User": "boss"},
                                         environ_base={"REMOTE_ADDR": "203.0.113.5"})

    assert response.status_code == 303
    assert "ignoring the X-Forwarded-User header from 203.0.113.5" in caplog.text
    with proxied.app_context():
        assert db.session.scalar(select(User).where(User.username == "boss")) is None


def test_the_users_cli_creates_an_admin_from_a_prompted_password(app):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["users", "create-admin", "--username", "dana"],
                           input="a long enough password\na long enough password\n")

    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    assert sign_in(app.test_client(), "dana", "a long enough password").status_code == 303
    refused = runner.invoke(args=["users", "create-admin", "--username", "erin"],
                            input="short\nshort\n")
    assert refused.exit_code != 0
    assert "at least 12 characters" in refused.output


def test_bootstrap_prints_a_password_once_and_only_on_a_fresh_installation(app):
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.query(User).delete()
        db.session.commit()

    first = runner.invoke(args=["users", "bootstrap"])
    again = runner.invoke(args=["users", "bootstrap"])

    password = first.output.split("password", 1)[1].split()[0]
    assert sign_in(app.test_client(), "admin", password).status_code == 303
    assert again.output == ""
