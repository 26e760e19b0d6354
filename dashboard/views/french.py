"""French for the text Streamlit's own widgets carry and the app cannot pass in.

Streamlit 1.67 has no locale setting: its widgets' hints, tooltips, menus and accessible names are
English constants of its front end. What the app can set it sets in Python (``placeholder=``,
``format="DD/MM/YYYY"``…); the rest is replaced here, once per run (``app.py``):

- :data:`FRENCH_CSS` hides the "Press Enter to submit form" hints (Entrée still submits), rewrites
  the file uploader's box and the empty date field's "dd / mm / yyyy" (the date field is drawn with
  a fixed ``en-US`` locale; its calendar follows the browser's and is French already);
- :data:`FRENCH_JS` translates, as they appear, the exact English texts and ``aria-label`` /
  ``title`` / ``placeholder`` attributes of :data:`FRENCH_TEXTS` and :data:`FRENCH_PATTERNS`: the
  tables' toolbar and column menu, the selects' "Choose an option" and "No results", the
  sidebar's and the status widget's labels, "Skip to main content"…

``docs/architecture.md`` (section "French interface") lists what stays English.
"""

from __future__ import annotations

import json

import streamlit as st

FRENCH_CSS = """
<style>
[data-testid="stLayoutWrapper"]:has(> .st-key-french-labels) { display: none; }
[data-testid="InputInstructions"] { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before {
  content: "Glissez-déposez le fichier ici"; display: block; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "CSV ou XLSX, {max_mb} Mo au plus"; display: block; font-size: 0.85rem; color: #6b6b6b; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after { content: "Parcourir"; }
[data-testid="stDateInputField"] [data-placeholder="true"] { font-size: 0; }
[data-testid="stDateInputField"] [data-placeholder="true"]::after { font-size: 1rem; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="day"]::after { content: "jj"; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="month"]::after { content: "mm"; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="year"]::after { content: "aaaa"; }
</style>
"""

# Exact texts (a whole text node, or a whole attribute value) → French.
FRENCH_TEXTS: dict[str, str] = {
    # app shell, sidebar, status
    "Skip to main content": "Aller au contenu principal",
    "App pages": "Pages de l'application",
    "Sidebar": "Barre latérale",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "View more": "Voir plus",
    "View less": "Voir moins",
    "Main menu": "Menu principal",
    "Running...": "Calcul en cours…",
    "Loading": "Chargement",
    "Stop": "Arrêter",
    "Rerun": "Relancer",
    "Close": "Fermer",
    "Connecting": "Connexion…",
    "Link to heading": "Lien vers ce titre",
    "Scroll tabs left": "Onglets précédents",
    "Scroll tabs right": "Onglets suivants",
    # selects, multiselects, number and text inputs
    "Choose an option": "Choisir…",
    "Choose options": "Choisir…",
    "No options to select": "Aucun choix possible",
    "No results": "Aucun résultat",
    "Open": "Ouvrir",
    "Clear value": "Effacer",
    "Clear all": "Tout effacer",
    "Clear entry": "Effacer",
    "Selected values": "Valeurs choisies",
    "Select all": "Tout choisir",
    "Increment": "Augmenter",
    "Decrement": "Diminuer",
    "Show password": "Afficher le mot de passe",
    "Hide password": "Masquer le mot de passe",
    "file upload": "dépôt de fichier",
    "Add files": "Ajouter des fichiers",
    # date input
    "Choose date": "Choisir une date",
    "Choose date range": "Choisir une période",
    "Clear date": "Effacer la date",
    "Clear dates": "Effacer les dates",
    "Previous month": "Mois précédent",
    "Next month": "Mois suivant",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
        "Flèches pour changer de jour, Entrée pour choisir, Échap pour fermer.",
    # tables: toolbar, search, column menu, statistics, formats
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Download as CSV": "Télécharger en CSV",
    "Search": "Rechercher",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Close Search": "Fermer la recherche",
    "Next Result": "Résultat suivant",
    "Previous Result": "Résultat précédent",
    "Dataframe column menu": "Menu de la colonne",
    "Copy column name": "Copier le nom de la colonne",
    "Sort ascending": "Trier par ordre croissant",
    "Sort descending": "Trier par ordre décroissant",
    "Statistics": "Statistiques",
    "Based on sample": "Sur un échantillon",
    "Values": "Valeurs",
    "Empty": "Vides",
    "Distinct": "Distinctes",
    "Average": "Moyenne",
    "Standard deviation": "Écart type",
    "25th percentile": "1er quartile",
    "Median": "Médiane",
    "75th percentile": "3e quartile",
    "Sum": "Somme",
    "Count": "Nombre",
    "Range": "Étendue",
    "Minimum length": "Longueur minimale",
    "Average length": "Longueur moyenne",
    "Maximum length": "Longueur maximale",
    "Automatic": "Automatique",
    "Localized": "Selon la langue",
    "Plain": "Brut",
    "Percent": "Pourcentage",
    "Scientific": "Scientifique",
    "Accounting": "Comptable",
    "Calendar": "Calendrier",
    "Distance": "Relatif",
    "Duration": "Durée",
    "Autosize": "Largeur automatique",
    "Pin column": "Épingler la colonne",
    "Unpin column": "Désépingler la colonne",
    "Hide column": "Masquer la colonne",
    "No data": "Aucune donnée",
    "Clear selection": "Effacer la sélection",
}

# Texts with a variable part: [regular expression, replacement] (JavaScript syntax, $1…).
FRENCH_PATTERNS: list[list[str]] = [
    [r"^Help for (.+)$", "Aide : $1"],
    [r"^Remove (.+)$", "Retirer $1"],
    [r"^day, (.+)$", "jour, $1"],
    [r"^month, (.+)$", "mois, $1"],
    [r"^year, (.+)$", "année, $1"],
    [r"^Choose date, (.+)$", "Choisir une date, $1"],
    [r"^(.+) — start$", "$1 — début"],
    [r"^(.+) — end$", "$1 — fin"],
    [r"^[a-z_]+ icon$", ""],   # a Material icon's name ("check_circle icon"): nothing to read
]

# Installed once per browser tab: a MutationObserver rewrites what Streamlit draws or redraws. Charts
# are left alone (Plotly's own French is set by its config) but for the "Fullscreen" button Streamlit
# adds to their toolbar (a plain ``data-title``); the tables are drawn on a canvas.
FRENCH_JS = """
<script>
(function () {
  const doc = window.parent ? window.parent.document : document;
  if (doc.__frenchLabels) { return; }
  doc.__frenchLabels = true;
  const TEXTS = __TEXTS__;
  const PATTERNS = __PATTERNS__.map(p => [new RegExp(p[0]), p[1]]);
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "data-title"];
  function french(value) {
    if (!value) { return null; }
    const key = value.trim();
    if (Object.prototype.hasOwnProperty.call(TEXTS, key)) { return value.replace(key, TEXTS[key]); }
    for (const [re, to] of PATTERNS) { if (re.test(key)) { return value.replace(key, key.replace(re, to)); } }
    return null;
  }
  function skip(node) {
    const el = node.nodeType === 1 ? node : node.parentElement;
    if (!el || el.closest("svg, script, style, [data-testid='stCode']")) { return true; }
    return !!el.closest(".js-plotly-plot") && !el.closest(".modebar-container");   // Streamlit's button
  }
  function text(node) {
    const fr = french(node.nodeValue);
    if (fr !== null && fr !== node.nodeValue) { node.nodeValue = fr; }
  }
  function attributes(el) {
    for (const name of ATTRIBUTES) {
      const fr = french(el.getAttribute(name));
      if (fr !== null && fr !== el.getAttribute(name)) { el.setAttribute(name, fr); }
    }
  }
  function walk(root) {
    if (skip(root)) { return; }
    if (root.nodeType === 3) { text(root); return; }
    if (root.nodeType !== 1) { return; }
    attributes(root);
    for (const el of root.querySelectorAll("[aria-label], [title], [placeholder], [data-title]")) {
      if (!skip(el)) { attributes(el); }
    }
    const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) { if (!skip(n)) { text(n); } }
  }
  new MutationObserver(function (records) {
    for (const r of records) {
      if (r.type === "childList") { r.addedNodes.forEach(walk); }
      else if (r.type === "characterData") { if (!skip(r.target)) { text(r.target); } }
      else if (!skip(r.target)) { attributes(r.target); }
    }
  }).observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ATTRIBUTES});
  walk(doc.body);
})();
</script>
"""


def french_script() -> str:
    return (FRENCH_JS.replace("__TEXTS__", json.dumps(FRENCH_TEXTS, ensure_ascii=False))
            .replace("__PATTERNS__", json.dumps(FRENCH_PATTERNS, ensure_ascii=False)))


def french_widgets() -> None:
    """Call once per run (app.py): the French replacements of FRENCH_CSS and FRENCH_JS. The script
    sits in a hidden container, so that it takes no room at the top of the page."""
    from data_access.settings import get_settings

    max_mb = get_settings().import_max_mb
    st.html(FRENCH_CSS.replace("{max_mb}", f"{max_mb:g}".replace(".", ",")))
    with st.container(key="french-labels"):
        st.html(french_script(), unsafe_allow_javascript=True)
