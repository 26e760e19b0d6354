"""The completeness page: partners' deliveries and computable indicators."""

from __future__ import annotations

import streamlit as st

from dashboard.core import completeness
from dashboard.core.filters import territory_label
from dashboard.core.referentiel import load_referentiel
from dashboard.render.figures import plotly_config
from dashboard.views import ui
from data_access.wording import count


@st.cache_data(show_spinner="Calcul de la complétude…")
def _data(version: int):
    eng = ui.engine()
    matrix = completeness.computability(eng)
    return completeness.deliveries(eng), matrix


def render() -> None:
    st.title("Complétude des données")
    ui.sample_banner()
    ref_data = ui.reference_data(ui.data_version())
    deliveries, matrix = _data(ui.data_version())
    st.markdown("Ce que les partenaires ont envoyé, et ce que le tableau de bord peut calculer avec. Une livraison "
                "est **en retard** au-delà de 30 jours après la date attendue. Les imports de fichiers mettent ces "
                "tableaux à jour.")
    c = st.columns(3)
    counts = deliveries["status"].value_counts() if not deliveries.empty else {}
    c[0].metric("Livraisons reçues", int(counts.get("reçue", 0)) + int(counts.get("reçue en retard", 0)))
    c[1].metric("Dont en retard", int(counts.get("reçue en retard", 0)))
    c[2].metric("Livraisons manquantes", int(counts.get("manquante", 0)))
    tab1, tab2, tab3 = st.tabs(["Livraisons des partenaires", "Indicateurs calculables", "Nouveaux indicateurs"])
    with tab1:
        if deliveries.empty:
            st.info("Aucune livraison enregistrée.")
        else:
            problems_only = st.toggle("Problèmes seulement", key="compl_problems",
                                      help="Seulement les livraisons manquantes ou en retard")
            table = completeness.deliveries_matrix(deliveries, problems_only=problems_only)
            if table.empty:
                st.success("Aucune livraison manquante ni en retard.", icon=":material/check_circle:")
            else:
                years = [c for c in table.columns if c.isdigit()]
                st.dataframe(table.style.map(completeness.problem_style, subset=["État", *years]), hide_index=True,
                             width="stretch", height=min(800, 36 * (len(table) + 1) + 4))
            st.caption("Les partenaires dont une livraison manque viennent en premier, puis ceux en retard. "
                       "✓ reçue (date de réception · lignes) · ⚠ reçue en retard · ✗ manquante.")
    with tab2:
        territories = ref_data["territories"]
        options = [completeness.REGION, *sorted(set(matrix["territory"]) - {completeness.REGION})]
        f = ui.current_filters()
        default = f.territory if f.territory in options else completeness.REGION
        cc = st.columns(2)
        terr = cc[0].selectbox("Territoire", options, index=options.index(default), key="compl_terr",
                               format_func=lambda code: territory_label(code, territories))
        ref = load_referentiel()
        qids = [q.id for q in ref.questions]
        q = cc[1].selectbox("Question", qids, key="compl_q",
                            format_func=lambda i: f"{i} · {next(x.title for x in ref.questions if x.id == i)}")
        sub = matrix[(matrix["territory"] == terr) & (matrix["question"] == q)]
        shown = sub.groupby("year")["computable"].mean().mul(100).round().astype(int)
        st.caption("Part des indicateurs calculables par année : "
                   + " · ".join(f"{y} : {v} %" for y, v in shown.items()))
        ui.plotly_chart(completeness.computability_figure(matrix, terr, q), config=plotly_config(),
                        key="compl-heatmap", eager=True)
        st.caption("Vert : l'indicateur est calculable (nombre de lignes de sa population) ; rose : aucune donnée.")
    with tab3:
        st.markdown("Indicateurs devenus calculables chaque année pour la région : c'est ce que lit le critère de "
                    "la question 1 sur la **fiabilisation des données collectées** (indicateurs nouvellement "
                    "disponibles sur la période).")
        fresh = completeness.newly_available(matrix)
        if fresh.empty:
            st.info("Aucun indicateur calculable.")
        else:
            ui.plotly_chart(completeness.newly_available_figure(fresh), config=plotly_config(), key="compl-new")
        fy = completeness.first_years(matrix)
        never = fy[fy["first_year"].isna()]
        if not never.empty:
            st.warning(f"{count(len(never), 'indicateur jamais calculable')} : " + ", ".join(never["indicator"]))
