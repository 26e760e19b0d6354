"""The bilan page: one CME territory, or the region's annual evaluation (R82), one year; the bilan on
screen, its comments, its exports."""

from __future__ import annotations

import functools
import hashlib

import pandas as pd
import streamlit as st

from dashboard.core.filters import REGION, Filters, last_complete_year
from dashboard.core.formatting import fmt_date
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import VERDICT_LABELS
from dashboard.render.figures import plotly_config
from dashboard.reports.bilan import Bilan, BilanError, attach_comments, build_bilan, cme_territories, objectives_table
from dashboard.reports.bilan_export import (
    PdfRenderer,
    PdfUnavailable,
    pdf_available,
    render_html,
    section_figures,
    to_pdf,
    to_xlsx,
)
from dashboard.views import ui
from dashboard.views.comments import comment_card, comment_dialog
from dashboard.views.freins import FLAG_BACKGROUND, show_tracker
from dashboard.views.question import VERDICT_STYLE, reference
from data_access.comments import GENERAL_TARGET
from data_access.settings import get_settings

PDF_STATE = "bilan_pdf"


@st.cache_data(show_spinner="Calcul du bilan…", max_entries=64)
def _bilan(territory: str, year: int, version: int) -> Bilan:
    """The bilan without its comments (they are attached fresh on every run)."""
    info = ui.reference_data(version)["info"]
    return build_bilan(ui.engine(), load_referentiel(), reference(), territory, year,
                       small_cell_threshold=get_settings().small_cell_threshold, sample=info["sample"],
                       with_comments=False, cme_bilan=lambda code: _bilan(code, year, version))


@st.cache_data(show_spinner=False, max_entries=64)
def _figures(territory: str, year: int, version: int, comments: str) -> dict[str, dict | None]:
    """The small-multiples figure of each question (plain dicts), cached like the bilan and by the
    signature of its comments (drawn as markers; comments do not change the data version)."""
    bilan = _bilan(territory, year, version)
    return section_figures(attach_comments(bilan, ui.engine(), reference()))


def default_territory(filters: Filters, cmes: list[str], perimeters: pd.DataFrame) -> str:
    """The CME of the URL, else the one selected in the sidebar (or covering its département), else the first."""
    wanted = st.query_params.get("cme")
    if wanted in cmes or wanted == REGION:
        return wanted
    if filters.territory in cmes:
        return filters.territory
    covering = perimeters.loc[perimeters["departement_code"] == filters.territory, "cme_code"]
    return covering.iloc[0] if not covering.empty and covering.iloc[0] in cmes else cmes[0]


def _regional_tabs(bilan: Bilan, cme_tab, regions_tab) -> None:
    """The regional evaluation's own parts: every CME side by side (a heat table of the questions'
    readings), the region among the regions (its rank year by year)."""
    if cme_tab.open:
        with cme_tab:
            st.subheader("Les CME côte à côte", anchor="cme")
            st.caption(f"Lecture d'ensemble de chaque question pour chaque territoire de CME, tendances "
                       f"{bilan.first_year}-{bilan.year} (le détail figure dans le bilan de chaque CME).")
            grid = bilan.cme_grid
            questions = [f"Q{s.question.number}" for s in bilan.sections]
            shown = pd.DataFrame({"Territoire": grid["label"],
                                  **{q: grid[f"{q} lecture"] for q in questions}})
            colours = {code: VERDICT_BACKGROUNDS.get(code, "") for code in VERDICT_LABELS}

            def paint(column: pd.Series) -> list[str]:
                codes = grid[column.name] if column.name in questions else [None] * len(column)
                return [f"background-color: {colours.get(c, '#f2f2f2')}" if column.name in questions else ""
                        for c in codes]

            st.dataframe(shown.style.apply(paint), hide_index=True, width="stretch", key="bilan-cme-grid",
                         height=38 + 35 * len(shown))
    if regions_tab.open:
        with regions_tab:
            st.subheader("Rhône-Alpes parmi les régions", anchor="regions")
            st.caption("Rang de la région (Auvergne-Rhône-Alpes depuis 2016) parmi les régions métropolitaines, "
                       "1er = le plus favorable au regard de la cible ; les nombres sont rapportés à 100 000 "
                       "habitants.")
            if bilan.regions is None or bilan.regions.empty:
                st.info("Aucune valeur régionale reçue pour la période.", icon=":material/info:")
            else:
                st.dataframe(bilan.regions.drop(columns=[f"Rang {bilan.year}"]), hide_index=True, width="stretch",
                             key="bilan-regions")


# Light backgrounds of the verdicts (the heat table of the CMEs), those of the HTML export.
VERDICT_BACKGROUNDS = {"atteint": "#e3f3e8", "en_bonne_voie": "#e5effa", "a_surveiller": "#fcecdf",
                       "defavorable": "#fde5e4", "a_confirmer": "#f1e8ee", "donnees_insuffisantes": "#f2f2f2"}


def _comments_signature(bilan: Bilan) -> str:
    items = [(c.id, str(c.updated_at)) for c in bilan.comments]
    items += [(c.id, str(c.updated_at)) for s in bilan.sections for c in s.comments]
    items += [(c.id, str(c.updated_at)) for s in bilan.sections for line in s.lines for c in line.comments]
    return hashlib.sha256(repr(sorted(items)).encode()).hexdigest()[:16]


def _html_bytes(bilan: Bilan) -> bytes:
    return render_html(bilan).encode("utf-8")


def _exports(bilan: Bilan, version: int) -> None:
    st.markdown("#### Exporter le bilan")
    c1, c2, c3 = st.columns(3)
    c1.download_button("HTML interactif", data=functools.partial(_html_bytes, bilan),
                       file_name=f"{bilan.file_stem}.html", mime="text/html", icon=":material/html:",
                       key="dl_html", on_click="ignore", width="stretch",
                       help="Un seul fichier, graphiques interactifs, s'ouvre sans connexion.")
    c2.download_button("Annexe XLSX", data=functools.partial(to_xlsx, bilan),
                       file_name=f"{bilan.file_stem}.xlsx", icon=":material/table_view:", key="dl_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore", width="stretch",
                       help="Une feuille par question avec les données de chaque graphique.")
    with c3:
        reason = pdf_available()
        if reason:
            st.warning(reason, icon=":material/picture_as_pdf:")
            return
        key = (bilan.territory, bilan.year, version, _comments_signature(bilan))
        ready = st.session_state.get(PDF_STATE)
        if ready and ready[0] == key:
            st.download_button("Télécharger le PDF", data=ready[1], file_name=f"{bilan.file_stem}.pdf",
                               mime="application/pdf", icon=":material/picture_as_pdf:", key="dl_pdf",
                               on_click="ignore", width="stretch", type="primary")
        elif st.button("Préparer le PDF (A4)", icon=":material/picture_as_pdf:", key="make_pdf", width="stretch",
                       help="Graphiques statiques, sommaire et numéros de page ; une dizaine de secondes."):
            try:
                with st.spinner("Mise en page du PDF…"), PdfRenderer() as renderer:
                    st.session_state[PDF_STATE] = (key, to_pdf(bilan, renderer))
            except PdfUnavailable as exc:
                st.warning(str(exc))
            else:
                st.rerun()


def _comment_button(label: str, target: str, target_label: str, bilan: Bilan, key: str) -> None:
    if st.button(label, key=key, icon=":material/edit_note:", type="tertiary"):
        comment_dialog(target, target_label, bilan.territory, bilan.territory_label,
                       list(range(bilan.first_year, bilan.year + 1)), bilan.year)


def _show_comments(comments) -> None:
    for c in comments:
        comment_card(c.text, f"{c.author} · {c.territory_label} · {fmt_date(c.updated_at)}")


def render_bilan(filters: Filters) -> None:
    version = ui.data_version()
    data = ui.reference_data(version)
    ref = reference()
    ui.sample_banner()
    st.title("Bilans annuels : CME et évaluation régionale")
    cmes = cme_territories(ref)
    if not cmes:
        st.info("La base ne contient aucun territoire de CME.")
        return
    years = data["years"]
    choices = [REGION, *cmes]
    c1, c2 = st.columns([2, 1])
    with c1:
        code = st.selectbox("Territoire du bilan", choices,
                            index=choices.index(default_territory(filters, cmes, data["perimeters"])),
                            format_func=lambda c: (f"{ref.territory_label(c)} — évaluation annuelle du CPR"
                                                   if c == REGION else ref.territory_label(c)),
                            key="bilan_cme")
    with c2:
        wanted = st.query_params.get("annee")
        default_year = (int(wanted) if wanted and wanted.isdigit() and int(wanted) in years
                        else last_complete_year(years))
        year = st.selectbox("Année", years, index=years.index(default_year), key="bilan_annee")
    st.query_params.update({"cme": code, "annee": str(year)})
    try:
        bilan = _bilan(code, int(year), version)
    except BilanError as exc:
        st.warning(str(exc))
        return
    attach_comments(bilan, ui.engine(), ref)
    st.header(bilan.title)
    st.caption(f"Valeurs {bilan.year} et {bilan.year - 1}, évolution sur un an, tendance {bilan.first_year}-"
               f"{bilan.year} jugée avec la même règle que les pages des questions. Les commentaires saisis ici "
               "figurent dans les exports.")
    _exports(bilan, version)
    figures = _figures(code, int(year), version, _comments_signature(bilan))

    # One tab per part, drawn when open (the synthesis, then each question): the page draws one
    # question's small multiples at a time; the exports hold the whole document.
    regional = ["Les CME côte à côte", "Parmi les régions"] if bilan.regional else []
    parts = ["Synthèse", "Freins et progrès", *regional] + [f"Q{s.question.number} · {s.question.title}"
                                                            for s in bilan.sections]
    tabs = st.tabs(parts, key="bilan-parties", on_change="rerun")
    if tabs[1].open:
        with tabs[1]:
            st.subheader("Progrès accomplis et freins", anchor="freins")
            st.caption(f"Chaque frein identifié, les actions du plan qui y répondent avec leur état au regard de leur "
                       f"calendrier au 31/12/{bilan.year}, et les résultats locaux issus de ces actions.")
            show_tracker(bilan.freins, lambda c: ref.territory_label(c), key="freins-bilan")
    if bilan.regional:
        _regional_tabs(bilan, tabs[2], tabs[3])
    tabs = [tabs[0], *tabs[2 + len(regional):]]
    if tabs[0].open:
        with tabs[0]:
            st.subheader("Synthèse", anchor="synthese")
            st.markdown(bilan.summary.sentence())
            overview = pd.DataFrame([{
                "Question": f"Q{s.question.number} · {s.question.title}",
                "Lecture d'ensemble": VERDICT_LABELS[s.summary.overall],
                "Indicateurs atteints ou en bonne voie": s.summary.short(),
            } for s in bilan.sections])
            st.dataframe(overview, hide_index=True, width="stretch")
            objectives = objectives_table(bilan)
            if not objectives.empty:
                st.markdown("**Objectifs chiffrés**")
                st.dataframe(objectives[["Indicateur", "Libellé", "Objectif", "Statut", "Détail", "Origine"]],
                             hide_index=True, width="stretch", key="bilan-objectifs",
                             column_config={"Détail": st.column_config.TextColumn(width="large")})
            st.markdown("**Décisions et axes d'amélioration**")
            if bilan.decisions is None or bilan.decisions.empty:
                st.caption(f"Aucune décision ni axe d'amélioration enregistré pour {bilan.year} (page Saisie).")
            else:
                shown = bilan.decisions.drop(columns="overdue")
                late = list(bilan.decisions["overdue"])
                st.dataframe(shown.style.apply(lambda r: [f"background-color: {FLAG_BACKGROUND}" if late[r.name]
                                                          else ""] * len(r), axis=1),
                             hide_index=True, width="stretch", key="bilan-decisions",
                             column_config={c: st.column_config.DateColumn(c, format="DD/MM/YYYY")
                                            for c in ("Décidé le", "Échéance")})
            st.markdown("**Commentaire d'ensemble**")
            _show_comments(bilan.comments)
            _comment_button("Commenter l'ensemble du bilan", GENERAL_TARGET, "Ensemble du bilan", bilan, "cmt-general")

    for s, tab in zip(bilan.sections, tabs[1:]):
        if not tab.open:
            continue
        with tab:
            q = s.question
            st.subheader(f"Question {q.number} · {q.title}", anchor=s.anchor)
            color, icon = VERDICT_STYLE[s.summary.overall]
            st.badge(f"Lecture d'ensemble : {VERDICT_LABELS[s.summary.overall]}", color=color, icon=icon)
            st.markdown(s.summary.sentence())
            _show_comments(s.comments)
            _comment_button(f"Commenter la question {q.number}", q.id, f"Question {q.number} · {q.title}", bilan,
                            f"cmt-{q.id}")
            fig = figures.get(q.id)
            if fig is not None:
                ui.plotly_chart(fig, config=plotly_config(f"{bilan.file_stem}-Q{q.number}"), theme=None,
                                width="stretch", key=f"bilan-fig-{q.id}", eager=True)
            table = pd.DataFrame([{
                "Indicateur": line.indicator.id,
                "Libellé": line.indicator.short_label,
                str(bilan.year): line.value_text,
                str(bilan.year - 1): line.previous_text,
                "Évolution": line.change_text,
                "Verdict": line.verdict_label,
                "Tendance": line.trend_text,
                "Commentaires": str(len(line.comments)) if line.comments else "",
            } for line in s.lines])
            st.dataframe(table, hide_index=True, width="stretch", key=f"bilan-table-{q.id}",
                         height=38 + 35 * len(table),
                         column_config={"Tendance": st.column_config.TextColumn(width="large")})
            for line in s.lines:
                if line.comments:
                    st.markdown(f"**{line.indicator.id} · {line.indicator.short_label}**")
                    _show_comments(line.comments)
            ids = [line.indicator.id for line in s.lines]
            labels = {line.indicator.id: line.indicator.short_label for line in s.lines}
            cc1, cc2 = st.columns([3, 1], vertical_alignment="bottom")
            target = cc1.selectbox("Commenter un indicateur de la question", ids, key=f"cmt-pick-{q.id}",
                                   format_func=lambda i, labels=labels: f"{i} · {labels[i]}")
            with cc2:
                _comment_button("Écrire ou modifier", target, f"{target} · {labels[target]}", bilan,
                                f"cmt-open-{q.id}")
