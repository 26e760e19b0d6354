"""The journal page: every import (applied, without change, rejected), form entry, edit,
deletion and comment, newest first. Reading it needs an account (it names people)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.formatting import fmt_date
from dashboard.views import auth, ui
from data_access import journal
from data_access.datasets import DATASETS
from data_access.vocabulary import JOURNAL_ACTION, JOURNAL_OUTCOME
from data_access.wording import count

OUTCOME_ICON = {"applique": "✓", "sans_changement": "=", "rejete": "✗"}


def dataset_label(name: str) -> str:
    if name == "analysis_comment":
        return "Commentaires d'analyse"
    if name == "?":
        return "(non reconnu)"
    return DATASETS[name].label if name in DATASETS else name


def journal_table(frame: pd.DataFrame) -> pd.DataFrame:
    """French columns for display (pure)."""
    if frame.empty:
        return pd.DataFrame(columns=["N°", "Date", "Utilisateur", "Action", "Jeu de données", "Fichier", "Empreinte",
                                     "Ajoutées", "Modifiées", "Supprimées", "Résultat", "Détail"])
    at = pd.to_datetime(frame["at"], utc=True).dt.tz_convert("Europe/Paris")
    return pd.DataFrame({
        "N°": frame["id"],
        "Date": [f"{fmt_date(t.date())} {t:%H:%M}" for t in at],
        "Utilisateur": frame["username"],
        "Action": frame["action"].map(lambda a: JOURNAL_ACTION.get(a, a)),
        "Jeu de données": frame["dataset"].map(dataset_label),
        "Fichier": frame["file_name"].fillna(""),
        "Empreinte": frame["checksum"].fillna("").str[:12],
        "Ajoutées": frame["rows_added"], "Modifiées": frame["rows_updated"], "Supprimées": frame["rows_removed"],
        "Résultat": frame["outcome"].map(lambda o: f"{OUTCOME_ICON.get(o, '')} {JOURNAL_OUTCOME.get(o, o)}"),
        "Détail": frame["detail"].fillna("").str.slice(0, 300),
    })


def render() -> None:
    st.title("Journal des écritures")
    ui.sample_banner()
    st.markdown("Chaque import (appliqué, sans changement ou rejeté), chaque saisie, modification ou suppression "
                "et chaque commentaire : qui, quand, quel fichier (et son empreinte SHA-256), combien de lignes. "
                "Chaque écriture de données fait recalculer les pages.")
    user = auth.current_user()
    if user is None:
        st.info("Le journal nomme les personnes qui écrivent : connectez-vous pour le consulter.",
                icon=":material/lock:")
        st.page_link(auth.SIGN_IN_PAGE, label="Se connecter", icon=":material/login:")
        return
    c = st.columns(3)
    datasets = ["", *DATASETS, "analysis_comment"]
    dataset = c[0].selectbox("Jeu de données", datasets, key="journal_dataset",
                             format_func=lambda d: "Tous" if not d else dataset_label(d))
    outcome = c[1].selectbox("Résultat", ["", *JOURNAL_OUTCOME], key="journal_outcome",
                             format_func=lambda o: "Tous" if not o else JOURNAL_OUTCOME[o])
    mine = c[2].toggle("Mes écritures seulement", key="journal_mine")
    frame = journal.entries(ui.engine(), dataset=dataset or None, outcome=outcome or None,
                            username=user.username if mine else None)
    if frame.empty:
        st.info("Aucune écriture enregistrée pour ces critères.")
        return
    st.caption(f"{count(len(frame), 'écriture')}, les plus récentes d'abord (500 au plus).")
    st.dataframe(journal_table(frame), hide_index=True, width="stretch",
                 column_config={"N°": st.column_config.NumberColumn(format="%d"),
                                "Détail": st.column_config.TextColumn(width="large")})
