"""Analysis comments: validation, write / edit / delete, and where they show."""

import pytest
from sqlalchemy import func, select

from dashboard.core.indicators import Reference
from dashboard.core.referentiel import load_referentiel
from dashboard.reports.bilan import build_bilan, comment_targets
from data_access import comments as store
from data_access.db import table
from data_access.users import load_user

REF = load_referentiel()
TARGETS = comment_targets(REF)


@pytest.fixture
def loire(engine):
    """An animateur of the Loire CME (demo accounts have CME38/CME69: add one for CME42)."""
    from data_access.users import add_user

    return load_user(engine, "anim42") or add_user(engine, "anim42", "animateur-loire-42", role="animateur",
                                                   display_name="Animateur Loire", territories=["CME42"])


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table("analysis_comment"))).scalar_one()


def test_targets_are_indicators_questions_and_the_whole_bilan():
    assert "BILAN" in TARGETS and "Q4" in TARGETS and "Q4.C3.I1" in TARGETS
    assert len(TARGETS) == 1 + 6 + len(REF.indicators())


def test_add_edit_delete_signed_and_journaled(engine, loire):
    before = _count(engine)
    cid = store.add(engine, target="Q4.C3.I1", territory="CME42", year=2019, user=loire,
                    text="  Hausse des CTME : besoin de qualification partagée.  ", valid_targets=TARGETS)
    row = store.for_territory(engine, "CME42", years=[2019], targets=["Q4.C3.I1"]).set_index("id").loc[cid]
    assert row["author"] == "Animateur Loire" and row["text"].startswith("Hausse des CTME")
    created = row["created_at"]
    admin = load_user(engine, "admin")
    store.edit(engine, cid, text="Texte revu.", user=admin)
    row = store.for_territory(engine, "CME42", years=[2019]).set_index("id").loc[cid]
    assert (row["author"], row["text"]) == (admin.display_name, "Texte revu.")
    assert row["updated_at"] >= created
    assert _count(engine) == before + 1
    store.remove(engine, cid, user=loire)
    assert _count(engine) == before
    with pytest.raises(store.CommentError, match="n'existe plus"):
        store.remove(engine, cid, user=loire)
    with engine.connect() as conn:
        j = table("journal_entry")
        actions = conn.execute(select(j.c.username, j.c.rows_added, j.c.rows_updated, j.c.rows_removed)
                               .where(j.c.dataset == "analysis_comment").order_by(j.c.id)).all()
    assert [tuple(a) for a in actions[-3:]] == [("anim42", 1, 0, 0), ("admin", 0, 1, 0), ("anim42", 0, 0, 1)]


def test_who_may_comment(engine, loire):
    before = _count(engine)
    anim38, reader = load_user(engine, "animateur38"), load_user(engine, "lecteur")
    for user, territory, words in ((None, "CME42", "Connectez-vous"), (reader, "CME42", "permet de lire"),
                                   (anim38, "CME69", "CME69"), (anim38, "69", "69"), (loire, "R82", "R82")):
        with pytest.raises(store.CommentError, match=words):
            store.add(engine, target="Q4", territory=territory, year=2019, text="x", valid_targets=TARGETS,
                      user=user)
    # the animateur of 38 writes for the CME and for the département it covers
    cid = store.add(engine, target="Q4", territory="38", year=2019, text="Isère", valid_targets=TARGETS,
                    user=anim38)
    # but cannot edit or delete a comment of the Loire, even by its id
    other = store.add(engine, target="Q4", territory="CME42", year=2019, text="Loire", valid_targets=TARGETS,
                      user=loire)
    with pytest.raises(store.CommentError, match="CME42"):
        store.edit(engine, other, text="piraté", user=anim38)
    with pytest.raises(store.CommentError, match="CME42"):
        store.remove(engine, other, user=anim38)
    store.remove(engine, cid, user=anim38)
    store.remove(engine, other, user=loire)
    assert _count(engine) == before


def test_invalid_comments_are_refused_with_every_problem_and_nothing_written(engine):
    before = _count(engine)
    admin = load_user(engine, "admin")
    with pytest.raises(store.CommentError) as err:
        store.add(engine, target="Q9.C1.I1", territory="CME99", year=2031, text="   ", valid_targets=TARGETS,
                  user=admin)
    problems = err.value.problems
    assert len(problems) == 4
    assert any("Q9.C1.I1" in p for p in problems) and any("CME99" in p for p in problems)
    assert any("2031" in p for p in problems)
    assert any("vide" in p for p in problems)
    with pytest.raises(store.CommentError, match="dépasse 4000 caractères"):
        store.add(engine, target="Q4", territory="CME42", year=2019, text="x" * 4001, valid_targets=TARGETS,
                  user=admin)
    assert _count(engine) == before


def test_a_comment_shows_in_the_bilan_of_its_territory_only(engine, loire):
    ref = Reference.from_engine(engine)
    store.add(engine, target="Q4", territory="CME42", year=2019, user=loire,
              text="Lecture de la question 4 pour la Loire.", valid_targets=TARGETS)
    store.add(engine, target="BILAN", territory="CME42", year=2019, user=loire,
              text="Une année de consolidation.", valid_targets=TARGETS)
    loire = build_bilan(engine, REF, ref, "CME42", 2019)
    q4 = next(s for s in loire.sections if s.question.id == "Q4")
    assert [c.text for c in q4.comments] == ["Lecture de la question 4 pour la Loire."]
    assert [c.text for c in loire.comments] == ["Une année de consolidation."]
    isere = build_bilan(engine, REF, ref, "CME38", 2019)
    assert not isere.comments and not next(s for s in isere.sections if s.question.id == "Q4").comments


# --- comments are plain text wherever they are shown -------------------------------------------

HOSTILE = ("Lecture de la Loire : ![x](http://127.0.0.1:9/pixel.png) et [clic](javascript:alert(1)).\n"
           "Deuxième ligne <img src=x> **gras** :red[rouge] $x$")


def test_escape_markdown_leaves_nothing_to_interpret():
    import re

    from dashboard.views.comments import WORD_JOINER, escape_markdown

    out = escape_markdown("![x](http://127.0.0.1:9/p.png) [a](javascript:b) <img src=x> **g** _i_ # t :red[r] $x$ "
                          "www.exemple.fr a@b.fr 1. c \\ · 12/03/2020")
    for raw in ("![", "](", "**", "_i_", ":red[", "1. "):
        assert raw not in out, raw
    for escaped in ("\\<img src=x\\>", "\\$x\\$", "\\# t"):
        assert escaped in out, escaped
    assert "\\!\\[x\\]\\(http\\:" + WORD_JOINER + "//127\\.0\\.0\\.1" in out  # no autolink either
    assert "www" + WORD_JOINER + "\\.exemple" in out and "a@" + WORD_JOINER + "b" in out
    # read back, it is the same text (the word joiners are invisible)
    unescaped = re.sub(r"\\(.)", r"\1", out).replace(WORD_JOINER, "")
    assert unescaped == ("![x](http://127.0.0.1:9/p.png) [a](javascript:b) <img src=x> **g** _i_ # t :red[r] $x$ "
                         "www.exemple.fr a@b.fr 1. c \\ · 12/03/2020")
    assert escape_markdown("2019 · Animateur Loire · 03/12/2026") == "2019 · Animateur Loire · 03/12/2026"


@pytest.fixture(scope="module")
def hostile_url(writable_sample_url):
    """A copy of the sample with a hostile comment on the Loire's Q4 bilan section and CTME indicator."""
    from data_access.db import make_engine

    url = writable_sample_url()
    eng = make_engine(url)
    admin = load_user(eng, "admin")
    for target in ("Q4", "Q4.C3.I1", "BILAN"):
        store.add(eng, target=target, territory="CME42", year=2019, text=HOSTILE, valid_targets=TARGETS, user=admin)
    eng.dispose()
    return url


def _open_page(app_factory, url, page, **params):
    at = app_factory(url)
    at.run()
    at.switch_page(page)
    for k, v in params.items():    # the page's own parameters (another page's would be dropped)
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _nothing_interpreted(at):
    """The hostile text is in text elements as written, and in no Markdown element unescaped."""
    texts = [t.value for t in at.text]
    assert HOSTILE in texts
    for m in [*at.markdown, *at.caption]:
        for raw in ("](http://127.0.0.1:9", "](javascript:", "<img", "**gras**"):
            assert raw not in m.value, m.value
    return texts.count(HOSTILE)


def test_the_bilan_page_shows_comments_as_plain_text(app_factory, hostile_url):
    at = _open_page(app_factory, hostile_url, "app_pages/bilan.py", cme="CME42", annee="2019")
    assert _nothing_interpreted(at) == 1  # the synthesis tab: the comment on the whole bilan
    at.session_state["bilan-parties"] = "Q4 · Animations territoriales"
    at.run()
    assert not at.exception, at.exception
    assert _nothing_interpreted(at) == 2  # question 4's tab: on the question, on the CTME indicator


def test_the_question_page_shows_comments_as_plain_text(app_factory, hostile_url):
    at = _open_page(app_factory, hostile_url, "app_pages/q4_animations_territoriales.py", indicateur="Q4.C3.I1")
    at.sidebar.selectbox(key="territoire").set_value("CME42")
    at.run()
    assert not at.exception, at.exception
    assert _nothing_interpreted(at) == 1  # under the CTME block


def test_the_html_and_pdf_bilans_show_comments_as_escaped_text(hostile_url, tmp_path):
    import shutil
    import subprocess
    from html import unescape

    from dashboard.reports import bilan_export as X
    from data_access.db import make_engine

    eng = make_engine(hostile_url)
    try:
        bilan = build_bilan(eng, REF, Reference.from_engine(eng), "CME42", 2019)
    finally:
        eng.dispose()
    escaped = ('Lecture de la Loire : ![x](http://127.0.0.1:9/pixel.png) et [clic](javascript:alert(1)).\n'
               'Deuxième ligne &lt;img src=x&gt; **gras** :red[rouge] $x$')
    for html in (X.render_html(bilan), X.render_html(bilan, interactive=False, images={})):
        assert "<img src=x" not in html and 'src="http://127.0.0.1:9' not in html
        assert 'href="javascript' not in html and 'href="http://127.0.0.1:9' not in html
        assert "<strong>gras" not in html and "<b>gras" not in html
        # the text as written, line break included, in an element that keeps line breaks
        assert html.count(f'<div class="comment-text">{escaped}</div>') == 2  # whole bilan, question 4
        assert html.count(f'<span class="comment-text">{escaped}</span>') == 1  # the CTME line
        assert ".comment-text { white-space: pre-line;" in html
        assert HOSTILE in unescape(html)
    if shutil.which("pdftotext") and X.pdf_available() is None:
        with X.PdfRenderer() as renderer:
            pdf = X.to_pdf(bilan, renderer)
        (tmp_path / "b.pdf").write_bytes(pdf)
        body = subprocess.run(["pdftotext", str(tmp_path / "b.pdf"), "-"], capture_output=True, text=True).stdout
        assert "![x](http://127.0.0.1:9/pixel.png)" in body and "<img src=x> **gras**" in body
