"""Analysis comments in the pages: a dialog to read, write, edit and delete the comments
of one indicator (or question, or whole bilan), territory and year.

Reading is open; writing needs a signed-in animateur of the territory or an administrator
(checked again by the data layer), and the comment is signed with the account's name.
Comments are read fresh on every run (they are not part of the cached aggregates).

A comment is plain text wherever it is shown: ``st.text`` (no Markdown, no HTML, line breaks kept,
the app's ordinary font in Streamlit 1.67), so that an image or a link written in a comment is never
fetched or followed by the readers' browsers; the line under it goes through :func:`escape_markdown`.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboard.core.formatting import fmt_date
from dashboard.core.referentiel import load_referentiel
from dashboard.reports.bilan import comment_targets
from dashboard.views import auth, ui
from data_access import comments as store


def valid_targets() -> list[str]:
    return comment_targets(load_referentiel())


def comments_for(territory: str, years) -> pd.DataFrame:
    return store.for_territory(ui.engine(), territory, years=years)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")
# GFM turns bare URLs and e-mail addresses into links after the escapes are read: an invisible
# word joiner (U+2060) inside "://", "www." and after "@" keeps them plain text.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?i:(?<=www))(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """``text`` for ``st.markdown`` / ``st.caption`` shown literally: every ASCII punctuation mark
    Markdown (or Streamlit's directives: ``:red[…]``, ``$…$``) could read is backslash-escaped and bare
    URLs are broken by an invisible word joiner, so no image, link, HTML tag, emphasis or heading is
    interpreted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(text)))


def comment_caption(row) -> str:
    when = fmt_date(row.updated_at) if row.updated_at is not None else ""
    return f"{row.year} · {row.author} · {when}"


def comment_card(text: str, meta: str):
    """One comment as the pages show it (a bordered card); returns the card, to add controls in it."""
    card = st.container(border=True)
    card.text(text, width="stretch")  # plain text, never Markdown or HTML (see the module docstring)
    card.caption(escape_markdown(meta))
    return card


@st.dialog("Commentaires d'analyse", width="large")
def comment_dialog(target: str, target_label: str, territory: str, territory_label: str, years: list[int],
                   default_year: int) -> None:
    st.markdown(f"**{target_label}** — {territory_label}")
    existing = store.for_territory(ui.engine(), territory, years=years, targets=[target])
    if existing.empty:
        st.caption(f"Aucun commentaire sur {years[0]}-{years[-1]}." if len(years) > 1
                   else f"Aucun commentaire pour {years[0]}.")
    user = auth.current_user()
    writer = user is not None and user.may_write(territory)
    for row in existing.sort_values(["year", "updated_at"], ascending=[False, True]).itertuples():
        with comment_card(row.text, comment_caption(row)):
            if writer and st.toggle("Modifier ou supprimer", key=f"cdlg_edit_{row.id}"):
                with st.form(f"cdlg_form_{row.id}"):
                    text = st.text_area("Commentaire", value=row.text, max_chars=store.MAX_TEXT)
                    c1, c2 = st.columns(2)
                    save = c1.form_submit_button("Enregistrer", type="primary")
                    remove = c2.form_submit_button("Supprimer ce commentaire")
                if save or remove:
                    try:
                        if remove:
                            store.remove(ui.engine(), row.id, user=user)
                        else:
                            store.edit(ui.engine(), row.id, text=text, user=user)
                    except store.CommentError as exc:
                        for problem in exc.problems:
                            st.error(problem)
                    else:
                        st.rerun()
    st.markdown("**Nouveau commentaire**")
    if not writer:
        if user is None:
            st.info("Connectez-vous (animateur du territoire ou administrateur) pour commenter.",
                    icon=":material/lock:")
            st.page_link(auth.SIGN_IN_PAGE, label="Se connecter", icon=":material/login:")
        else:
            st.info(f"Votre compte ({user.role_label}) ne permet pas de commenter pour {territory_label}.",
                    icon=":material/lock:")
        return
    with st.form(f"cdlg_new_{target}", clear_on_submit=False):
        year = st.selectbox("Année", years,
                            index=years.index(default_year) if default_year in years else len(years) - 1)
        st.caption(f"Signé : {user.display_name}")
        text = st.text_area("Commentaire", max_chars=store.MAX_TEXT,
                            placeholder="Votre analyse : ce qui explique la valeur, ce qui est prévu…")
        submitted = st.form_submit_button("Ajouter le commentaire", type="primary")
    if submitted:
        try:
            store.add(ui.engine(), target=target, territory=territory, year=int(year), text=text,
                      valid_targets=valid_targets(), user=user)
        except store.CommentError as exc:
            for problem in exc.problems:
                st.error(problem)
        else:
            st.rerun()


def show_comments(frame: pd.DataFrame) -> None:
    """Compact list of comments (newest year first) under an indicator."""
    for row in frame.sort_values(["year", "updated_at"], ascending=[False, True]).itertuples():
        comment_card(row.text, comment_caption(row))
