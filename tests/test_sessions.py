"""Sessions that survive a reload (data_access/sessions.py, dashboard/views/auth.py).

The store keeps the SHA-256 of a random token, its expiry and its revocation; the app resumes a
session from the cookie of a new page load, and "Se déconnecter" revokes every session of the account.
The browser side (cookie written, reload, new tab, sign-out) is in tests/test_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from dashboard.views import auth
from data_access import sessions
from data_access.db import table

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc)


def test_a_session_is_resumed_until_it_expires(empty_engine):
    token = sessions.open_session(empty_engine, "animateur38", hours=8, now=T0)
    assert len(token) >= 40                                           # 256 random bits, URL-safe
    assert sessions.resume(empty_engine, token, now=T0 + dt.timedelta(hours=7, minutes=59)) == "animateur38"
    assert sessions.resume(empty_engine, token, now=T0 + dt.timedelta(hours=8)) is None
    assert sessions.resume(empty_engine, token + "x", now=T0) is None     # an unknown token
    assert sessions.resume(empty_engine, None, now=T0) is None and sessions.resume(empty_engine, "", now=T0) is None


def test_the_store_never_holds_the_token_itself(empty_engine):
    token = sessions.open_session(empty_engine, "admin", hours=8, now=T0)
    with empty_engine.connect() as conn:
        stored = conn.execute(select(table("user_session"))).mappings().all()
    assert [r["token_hash"] for r in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in repr(stored)


def test_signing_out_revokes_every_session_of_the_account_and_only_it(empty_engine):
    one = sessions.open_session(empty_engine, "animateur38", hours=8, now=T0)       # a browser
    two = sessions.open_session(empty_engine, "animateur38", hours=8, now=T0)       # another one
    other = sessions.open_session(empty_engine, "admin", hours=8, now=T0)
    assert sessions.revoke_all(empty_engine, "animateur38", now=T0 + dt.timedelta(minutes=5)) == 2
    assert sessions.resume(empty_engine, one, now=T0 + dt.timedelta(minutes=6)) is None
    assert sessions.resume(empty_engine, two, now=T0 + dt.timedelta(minutes=6)) is None
    assert sessions.resume(empty_engine, other, now=T0 + dt.timedelta(minutes=6)) == "admin"
    # the revoked and expired records are cleared at the account's next sign-in
    sessions.open_session(empty_engine, "animateur38", hours=8, now=T0 + dt.timedelta(minutes=10))
    with empty_engine.connect() as conn:
        rows = conn.execute(select(table("user_session").c.username)).scalars().all()
    assert sorted(rows) == ["admin", "animateur38"]


def _sign_in(at, username: str, password: str):
    at.text_input(key="signin_username").set_value(username)
    at.text_input(key="signin_password").set_value(password)
    at.get("form_submit_button")[0].click()
    return at.run()


def test_sign_in_writes_the_cookie_another_tab_resumes_and_sign_out_ends_both(app_factory, store_url):
    at = app_factory(store_url)
    at.run()
    at.switch_page("app_pages/connexion.py")
    at = _sign_in(at.run(), "animateur38", "animateur-demo-38")
    assert not at.exception, at.exception
    token = at.session_state[auth.TOKEN_KEY]
    # the run after sign-in writes the cookie: the token, for the configured time, never the password
    scripts = [h.value for h in at.get("html") if "document.cookie" in h.value]
    assert len(scripts) == 1
    assert f"{auth.COOKIE}={token}; path=/; max-age={8 * 3600}; SameSite=Strict" in scripts[0]
    assert "animateur-demo-38" not in scripts[0]
    # another tab of the same browser (a new Streamlit session that only has the token)
    tab = app_factory(store_url)
    tab.session_state[auth.TOKEN_KEY] = token
    tab.run()
    assert tab.session_state[auth.SESSION_KEY] == "animateur38"
    assert "Animateur Isère (démo)" in "\n".join(m.value for m in tab.sidebar.markdown)
    # "Se déconnecter" in the first tab: the cookie is cleared and the other tab is signed out at its next run
    at.sidebar.button(key="signout").click()
    at.run()
    assert auth.SESSION_KEY not in at.session_state
    assert any(f"{auth.COOKIE}=; path=/; max-age=0" in h.value for h in at.get("html"))
    tab.run()
    assert auth.SESSION_KEY not in tab.session_state and auth.TOKEN_KEY not in tab.session_state
    assert "Connectez-vous" in "\n".join(c.value for c in tab.sidebar.caption)
