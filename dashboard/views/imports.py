"""The import page: take a partner's file, show every problem or a preview of the changes,
import on confirmation, through the one import service (:mod:`dashboard.services.importing`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.core.filters import territory_label
from dashboard.reports.formats_doc import field_rows
from dashboard.services import importing
from dashboard.views import auth, ui
from data_access import intake
from data_access.datasets import DATASETS
from data_access.wording import count

AUTO = "__auto__"
EXAMPLES = Path(__file__).resolve().parents[2] / "sample_data" / "examples"
PENDING = "import_pending"


def _problems_frame(v: intake.Validated, *, for_csv: bool = False) -> pd.DataFrame:
    """The problems as a table; ``for_csv``: a value that could be taken for a formula gets a leading '."""
    from data_access.office import safe_frame

    frame = pd.DataFrame([{"Ligne": p.line, "Colonne": p.column or "", "Valeur trouvée": p.value or "",
                           "Problème ou valeur attendue": p.message} for p in v.problems],
                         columns=["Ligne", "Colonne", "Valeur trouvée", "Problème ou valeur attendue"])
    return safe_frame(frame) if for_csv else frame


def formats_help(dataset: str | None) -> None:
    """The expected columns of a dataset and its example files."""
    with st.expander("Formats attendus et fichiers d'exemple", icon=":material/table_view:",
                     expanded=dataset is not None and dataset != AUTO):
        st.markdown("CSV (UTF-8 ou Windows-1252, séparateur `;` ou `,`, virgule ou point décimal, dates "
                    "`JJ/MM/AAAA` ou `AAAA-MM-JJ`) ou XLSX, une ligne d'en-tête. Les en-têtes sont reconnus sans "
                    "tenir compte des majuscules, des accents ni des espaces. Le détail de chaque jeu est dans "
                    "`docs/formats.md`.")
        names = list(DATASETS)
        pick = st.selectbox("Jeu de données", names, index=names.index(dataset) if dataset in names else 0,
                            format_func=lambda n: DATASETS[n].label, key="formats_pick")
        ds = DATASETS[pick]
        st.caption(f"Envoyé par {ds.sent_by}. Clé : {', '.join(ds.field(k).header for k in ds.key)}. "
                   f"{ds.notes}")
        st.dataframe(pd.DataFrame(field_rows(ds)), hide_index=True, width="stretch")
        cols = st.columns(2)
        for col, ext, mime in ((cols[0], "csv", "text/csv"),
                               (cols[1], "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
            path = EXAMPLES / f"{pick}.{ext}"
            if path.exists():
                col.download_button(f"Exemple {ext.upper()}", path.read_bytes(), file_name=path.name, mime=mime,
                                    key=f"example-{pick}-{ext}", icon=":material/download:")


def render() -> None:
    st.title("Importer un fichier")
    ui.sample_banner()
    st.markdown("Déposez le fichier annuel d'un partenaire. Il est **vérifié entièrement avant toute écriture** : "
                "tous les problèmes sont listés avec leur ligne et leur colonne. S'il est valide, vous voyez ce "
                "qu'il change (lignes ajoutées, modifiées, supprimées, par territoire) et vous confirmez ; l'import "
                "se fait alors en une seule transaction. Importer deux fois le même fichier ne change rien.")
    ref = ui.reference_data(ui.data_version())
    user = auth.require_writer("importer des fichiers")
    names = [AUTO, *DATASETS]
    dataset = st.session_state.get("import_dataset", AUTO)
    formats_help(dataset)
    if user is None:
        return
    institutions = ref["institutions"]
    inst_names = dict(zip(institutions["code"], institutions["name"]))
    c1, c2 = st.columns(2)
    dataset = c1.selectbox("Jeu de données", names, key="import_dataset",
                           format_func=lambda n: "Reconnaître d'après les en-têtes" if n == AUTO
                           else DATASETS[n].label)
    partner = c2.selectbox("Partenaire qui envoie le fichier", ["", *institutions["code"]], key="import_partner",
                           format_func=lambda c: "— (non précisé)" if not c else f"{inst_names.get(c, c)} ({c})",
                           help="Enregistre la livraison (reçue le, nombre de lignes) pour la page Complétude.")
    # No type filter: a renamed PDF or an old .xls gets the importer's French message (and a journal
    # entry) rather than the uploader's silent refusal.
    upload = st.file_uploader("Fichier CSV ou XLSX", key="import_file")
    if upload is None:
        st.session_state.pop(PENDING, None)
        return
    data = upload.getvalue()
    token = (hashlib.sha256(data).hexdigest(), dataset, user.username, partner)
    pending = st.session_state.get(PENDING)
    if pending is None or pending["token"] != token:
        with st.spinner("Vérification du fichier…"):
            checked = importing.check_file(ui.engine(), data, upload.name,
                                           dataset=None if dataset == AUTO else dataset, user=user,
                                           username=user.username, institution=partner or None)
        pending = {"token": token, "checked": checked}
        st.session_state[PENDING] = pending
    checked: importing.Checked = pending["checked"]
    v = checked.validated
    if v is not None:
        st.caption(f"{upload.name} : {v.dataset.label} — {v.source}, {count(v.read, 'ligne lue')}.")
        if v.notes:
            st.info("**Lu ainsi** :\n\n" + "\n".join(f"- {n}" for n in v.notes), icon=":material/info:")
    if not checked.ok:
        _refused(checked, upload.name)
        return
    pv = checked.preview
    _show_preview(pv)
    if pv.changes == 0:
        st.info("Ce fichier ne change rien : la base contient déjà exactement ces données.",
                icon=":material/check_circle:")
    confirmed = True
    if pv.removed:
        confirmed = st.checkbox(f"Je confirme la suppression de {_rows(len(pv.removed))} déjà reçue"
                                f"{'s' if len(pv.removed) > 1 else ''} ({_removal_places(pv)}).",
                                key="import_confirm_removals")
    label = "Confirmer l'import" if pv.changes else "Enregistrer la réception au journal"
    if st.button(label, type="primary", icon=":material/task_alt:", key="import_confirm", disabled=not confirmed):
        try:
            outcome = importing.confirm_file(ui.engine(), checked, username=user.username,
                                             institution=partner or None, removals_confirmed=confirmed)
        except intake.IntakeError as exc:
            for p in exc.problems:
                st.error(p, icon=":material/block:")
            st.session_state.pop(PENDING, None)
            return
        st.session_state.pop(PENDING, None)
        if outcome.changed:
            st.cache_data.clear()
        st.success(f"Import terminé : {outcome.summary()} Journal n° {outcome.journal_id}.",
                   icon=":material/task_alt:")
        st.page_link("app_pages/journal.py", label="Voir le journal des écritures", icon=":material/history:")


def _rows(n: int) -> str:
    return f"{n} ligne{'s' if n > 1 else ''}"


def _removal_places(pv: intake.Preview) -> str:
    frame = pv.by_territory
    return ", ".join(f"{r['Territoire']} : {r['supprimées']}" for r in frame.to_dict("records") if r["supprimées"])


def _refused(checked: importing.Checked, file_name: str) -> None:
    """Every problem of a refused file (already journaled), with a CSV of them."""
    v = checked.validated
    if checked.failed:
        st.error(checked.problems[0], icon=":material/error:")
        return
    n = checked.problem_count or 1
    st.error(f"**Fichier refusé, rien n'a été écrit** : {n} problème{'s' if n > 1 else ''}. Corrigez le "
             "fichier et déposez-le à nouveau.", icon=":material/block:")
    if v is not None and v.problems:
        frame = _problems_frame(v)
        st.dataframe(frame, hide_index=True, width="stretch",
                     column_config={"Ligne": st.column_config.NumberColumn(format="%d", width="small"),
                                    "Problème ou valeur attendue": st.column_config.TextColumn(width="large")})
        st.download_button("Télécharger la liste des problèmes (CSV)",
                           _problems_frame(v, for_csv=True).to_csv(sep=";", index=False).encode("utf-8-sig"),
                           file_name=f"problemes-{Path(file_name).stem}.csv", mime="text/csv",
                           icon=":material/download:")
    else:
        st.markdown("\n".join(f"- {p}" for p in checked.problems))


def _show_preview(pv: intake.Preview) -> None:
    st.success("Fichier valide : aucun problème trouvé.", icon=":material/check_circle:")
    m = st.columns(4)
    m[0].metric("Lignes ajoutées", len(pv.added))
    m[1].metric("Lignes modifiées", len(pv.updated))
    m[2].metric("Lignes supprimées", len(pv.removed))
    m[3].metric("Lignes inchangées", pv.unchanged)
    if pv.removed:
        st.warning(f"**Cet import supprime des données déjà reçues** : {pv.removals_text()}. Ces lignes sont en base "
                   "mais absentes du fichier, pour les années et territoires que le fichier couvre. Cochez la "
                   "confirmation ci-dessous si c'est voulu.", icon=":material/delete:")
    elif pv.replaced and pv.updated:
        st.info("**Cet import met à jour des données déjà reçues** :\n\n"
                + "\n".join(f"- {s}" for s in pv.replaced), icon=":material/swap_horiz:")
    capitalised = {c: c.capitalize() for c in ("ajoutées", "modifiées", "supprimées", "inchangées")}
    if pv.by_territory is not None and not pv.by_territory.empty and pv.changes:
        st.markdown("**Par territoire**")
        names = ui.reference_data(ui.data_version())["all_territories"]
        labels = {code: territory_label(code, names) for code in pv.by_territory["Territoire"]}
        st.dataframe(pv.by_territory.assign(Territoire=pv.by_territory["Territoire"].map(labels))
                     .rename(columns=capitalised), hide_index=True)
    if not pv.by_year.empty and pv.changes:
        st.markdown("**Par année**")
        st.dataframe(pv.by_year.rename(columns=capitalised), hide_index=True,
                     column_config={"Année": st.column_config.NumberColumn(format="%d")})
    ds = pv.dataset
    details = []
    for what, recs in (("supprimée", pv.removed), ("ajoutée", pv.added), ("modifiée", [n for _, n, _ in pv.updated])):
        for r in recs[:20]:
            details.append({"Changement": what, **{ds.field(k).header: intake.show_value(r.get(k)) for k in ds.key}})
    if details:
        with st.expander("Détail des changements (20 premières lignes de chaque sorte)", expanded=bool(pv.removed)):
            st.dataframe(pd.DataFrame(details), hide_index=True, width="stretch")
