"""The import page: take a partner's file, show every problem or a preview of the changes,
import on confirmation. The checks and the writing are in :mod:`data_access.intake`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from data_access import intake
from data_access.datasets import DATASETS

from . import auth, ui
from .formats_doc import field_rows
from .intake_context import context_kwargs

AUTO = "__auto__"
EXAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "examples"
PENDING = "import_pending"


def _problems_frame(v: intake.Validated) -> pd.DataFrame:
    return pd.DataFrame([{"Ligne": p.line, "Colonne": p.column or "", "Valeur trouvée": p.value or "",
                          "Problème ou valeur attendue": p.message} for p in v.problems],
                        columns=["Ligne", "Colonne", "Valeur trouvée", "Problème ou valeur attendue"])


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
                "qu'il change (lignes ajoutées, modifiées, supprimées) et vous confirmez ; l'import se fait alors "
                "en une seule transaction. Importer deux fois le même fichier ne change rien.")
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
    token = (hashlib.sha256(data).hexdigest(), dataset, user.username)
    pending = st.session_state.get(PENDING)
    if pending is None or pending["token"] != token:
        try:
            with st.spinner("Vérification du fichier…"):
                v = intake.validate_file(ui.engine(), data, None if dataset == AUTO else dataset,
                                         file_name=upload.name, allowed_territories=user.allowed_territories(),
                                         **context_kwargs())
        except intake.IntakeError as exc:
            _rejected(upload.name, token[0], exc.problems, user, dataset, partner, token)
            return
        pending = {"token": token, "validated": v, "preview": None, "journaled": False}
        if v.ok:
            with ui.engine().connect() as conn:
                pending["preview"] = intake.preview(conn, v)
        st.session_state[PENDING] = pending
    v, pv = pending["validated"], pending["preview"]
    st.caption(f"{upload.name} : {v.dataset.label} — {v.source}, {v.read} ligne(s) lue(s). "
               + " ".join(v.notes))
    if not v.ok:
        messages = v.messages() or [f"{upload.name} : aucune ligne de données sous l'en-tête."]
        if not pending["journaled"]:
            intake.record_rejection(ui.engine(), username=user.username, dataset=v.dataset.name,
                                    file_name=upload.name, checksum=v.checksum, problems=messages,
                                    institution=partner or None)
            pending["journaled"] = True
        n = len(v.problems) or 1
        st.error(f"**Fichier refusé, rien n'a été écrit** : {n} problème{'s' if n > 1 else ''}. Corrigez le "
                 "fichier et déposez-le à nouveau.", icon=":material/block:")
        if v.problems:
            frame = _problems_frame(v)
            st.dataframe(frame, hide_index=True, width="stretch",
                         column_config={"Ligne": st.column_config.NumberColumn(format="%d", width="small"),
                                        "Problème ou valeur attendue": st.column_config.TextColumn(width="large")})
            st.download_button("Télécharger la liste des problèmes (CSV)",
                               frame.to_csv(sep=";", index=False).encode("utf-8-sig"),
                               file_name=f"problemes-{Path(upload.name).stem}.csv", mime="text/csv",
                               icon=":material/download:")
        else:
            st.write(messages[0])
        return
    _show_preview(pv)
    if pv.changes == 0:
        st.info("Ce fichier ne change rien : la base contient déjà exactement ces données.",
                icon=":material/check_circle:")
    label = "Confirmer l'import" if pv.changes else "Enregistrer la réception au journal"
    if st.button(label, type="primary", icon=":material/task_alt:", key="import_confirm"):
        try:
            outcome = intake.apply(ui.engine(), pv, username=user.username, institution=partner or None)
        except intake.IntakeError as exc:
            for p in exc.problems:
                st.error(p)
            st.session_state.pop(PENDING, None)
            return
        st.session_state.pop(PENDING, None)
        if outcome.changed:
            st.cache_data.clear()
        st.success(f"Import terminé : {outcome.summary()} Journal n° {outcome.journal_id}.",
                   icon=":material/task_alt:")
        st.page_link("pages/journal.py", label="Voir le journal des écritures", icon=":material/history:")


def _rejected(file_name: str, checksum, problems: list[str], user, dataset: str, partner: str, token) -> None:
    pending = st.session_state.get(PENDING)
    if not (pending and pending.get("token") == token):
        intake.record_rejection(ui.engine(), username=user.username, dataset=dataset if dataset != AUTO else "?",
                                file_name=file_name, checksum=checksum, problems=problems,
                                institution=partner or None)
        st.session_state[PENDING] = {"token": token, "validated": None, "preview": None, "journaled": True,
                                     "problems": problems}
    st.error("**Fichier refusé, rien n'a été écrit.**\n\n" + "\n".join(f"- {p}" for p in problems),
             icon=":material/block:")


def _show_preview(pv: intake.Preview) -> None:
    st.success("Fichier valide : aucun problème trouvé.", icon=":material/check_circle:")
    m = st.columns(4)
    m[0].metric("Lignes ajoutées", len(pv.added))
    m[1].metric("Lignes modifiées", len(pv.updated))
    m[2].metric("Lignes supprimées", len(pv.removed))
    m[3].metric("Lignes inchangées", pv.unchanged)
    if pv.replaced and pv.changes:
        box = st.warning if pv.removed or pv.updated else st.info
        box("**Cet import remplace des données déjà reçues** :\n\n" + "\n".join(f"- {s}" for s in pv.replaced)
            + ("\n\nLes lignes absentes du fichier seront supprimées." if pv.removed else ""),
            icon=":material/swap_horiz:")
    if not pv.by_year.empty:
        st.dataframe(pv.by_year, hide_index=True,
                     column_config={"Année": st.column_config.NumberColumn(format="%d")})
    ds = pv.dataset
    details = []
    for what, recs in (("ajoutée", pv.added), ("modifiée", [n for _, n, _ in pv.updated]),
                       ("supprimée", pv.removed)):
        for r in recs[:20]:
            details.append({"Changement": what, **{ds.field(k).header: intake._show(r.get(k)) for k in ds.key}})
    if details:
        with st.expander("Détail des changements (20 premières lignes de chaque sorte)"):
            st.dataframe(pd.DataFrame(details), hide_index=True, width="stretch")
