"""Command line: ``python -m dashboard …``.

Exit codes: 0 success, 1 rejected data or failed operation, 2 usage error.
Messages for users are in French.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data_access.wording import count

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2

_ARGPARSE_FR = {
    "the following arguments are required": "arguments obligatoires manquants",
    "invalid choice": "choix invalide",
    "unrecognized arguments": "arguments non reconnus",
    "invalid int value": "nombre entier attendu, reçu",
    "expected one argument": "une valeur est attendue",
    "argument": "argument",
}


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French error messages and the usage exit code 2."""

    def error(self, message: str):  # pragma: no cover - exercised through main()
        for en, fr in _ARGPARSE_FR.items():
            message = message.replace(en, fr)
        self.print_usage(sys.stderr)
        print(f"Erreur : {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {value} » n'est pas un nombre entier") from None
    if n < 1:
        raise argparse.ArgumentTypeError("un entier supérieur ou égal à 1 est attendu")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m dashboard",
        description="Tableau de bord de la Charte régionale pour le maintien dans l'emploi (Rhône-Alpes 2015-2020).",
    )
    parser.add_argument("--database-url", help="URL de la base (par défaut : DATABASE_URL ou le fichier SQLite local)")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchArgumentParser)

    p = sub.add_parser("init", help="crée ou met à jour le schéma ; --sample charge les données fictives")
    p.add_argument("--sample", action="store_true", help="charger les données d'exemple (fictives)")
    p.add_argument("--scale", type=_positive_int, default=1, help="facteur d'échelle des données d'exemple (défaut 1)")
    p.add_argument("--force", action="store_true", help="vider la base avant de charger les données d'exemple")

    p = sub.add_parser("coverage", help="complétude : livraisons des partenaires et indicateurs calculables")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.add_argument("--livraisons", action="store_true",
                   help="afficher aussi les livraisons partenaire × jeu × année")

    p = sub.add_parser("export", help="exporte toute la base : un CSV par table et un manifeste "
                                      "(dossier 0700, fichiers 0600 ; comptes sans leur mot de passe)")
    p.add_argument("directory", metavar="DOSSIER")
    p.add_argument("--avec-mots-de-passe", dest="with_passwords", action="store_true",
                   help="inclut les empreintes Argon2 des mots de passe des comptes (copie de sauvegarde "
                        "exacte) ; sans cette option, les comptes rechargés devront recevoir un nouveau "
                        "mot de passe")

    p = sub.add_parser("import", help="importe le fichier d'un partenaire (CSV ou XLSX, voir docs/formats.md) "
                                      "ou recharge un export complet (dossier)")
    p.add_argument("path", metavar="CHEMIN")
    p.add_argument("--dataset", metavar="JEU",
                   help="jeu de données du fichier (par défaut : reconnu d'après les en-têtes)")
    p.add_argument("--dry-run", action="store_true", help="vérifier et montrer les changements sans rien écrire")
    p.add_argument("--partenaire", metavar="CODE",
                   help="institution qui envoie le fichier (enregistre sa livraison pour la complétude)")
    p.add_argument("--utilisateur", metavar="IDENTIFIANT",
                   help="importer avec les droits de ce compte (ses territoires) ; par défaut : administrateur")
    p.add_argument("--confirmer-suppressions", action="store_true",
                   help="confirmer un import qui supprime des lignes déjà reçues (voir l'aperçu sans cette option)")

    p = sub.add_parser("formats", help="documentation des formats d'import (docs/formats.md) et fichiers d'exemple")
    p.add_argument("--write", action="store_true",
                   help="réécrire docs/formats.md et sample_data/examples/ depuis la base d'exemple")

    p = sub.add_parser("referentiel", help="tableau des questions, critères et indicateurs (docs/referentiel.md)")
    p.add_argument("--write", action="store_true", help="réécrire le tableau généré de docs/referentiel.md")

    p = sub.add_parser("user", help="comptes : add, set, list, unlock, link, unlink")
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", parser_class=FrenchArgumentParser)
    u = usub.add_parser("add", help="crée un compte (mot de passe demandé, ou lu sur l'entrée standard)")
    u.add_argument("username", metavar="IDENTIFIANT")
    u.add_argument("--role", required=True, choices=["lecteur", "animateur", "administrateur"])
    u.add_argument("--territoire", action="append", default=[], metavar="CODE",
                   help="territoire d'un animateur (CME38, 38…) ; répétable")
    u.add_argument("--nom", help="nom affiché")
    u.add_argument("--password-stdin", action="store_true", help="lire le mot de passe sur l'entrée standard")
    u = usub.add_parser("set", help="modifie un compte")
    u.add_argument("username", metavar="IDENTIFIANT")
    u.add_argument("--role", choices=["lecteur", "animateur", "administrateur"])
    u.add_argument("--territoire", action="append", metavar="CODE", help="remplace les territoires ; répétable")
    u.add_argument("--mot-de-passe", action="store_true", help="changer le mot de passe (demandé)")
    u.add_argument("--password-stdin", action="store_true", help="lire le nouveau mot de passe sur l'entrée standard")
    state = u.add_mutually_exclusive_group()
    state.add_argument("--desactiver", action="store_true", help="désactive le compte")
    state.add_argument("--activer", action="store_true", help="réactive le compte")
    usub.add_parser("list", help="liste les comptes")
    u = usub.add_parser("unlock", help="efface les échecs de connexion d'un compte (toutes adresses), "
                                       "ce qui lève ses délais d'attente ; inscrit au journal")
    u.add_argument("username", metavar="IDENTIFIANT")
    u = usub.add_parser("link", help="associe le compte à une identité OpenID Connect (ProConnect…) : se connecter "
                                     "avec ce fournisseur ouvre alors le compte")
    u.add_argument("username", metavar="IDENTIFIANT")
    u.add_argument("--emetteur", required=True, metavar="URL",
                   help="émetteur (« iss ») exact, tel que l'affiche le refus de connexion")
    u.add_argument("--sujet", required=True, metavar="SUB", help="sujet (« sub ») donné par le fournisseur")
    u = usub.add_parser("unlink", help="retire l'identité OpenID Connect du compte")
    u.add_argument("username", metavar="IDENTIFIANT")

    p = sub.add_parser("objectif", help="objectifs chiffrés des indicateurs : list, add, remove (administrateurs ; "
                                        "inscrits au journal)")
    osub = p.add_subparsers(dest="objective_command", metavar="ACTION", parser_class=FrenchArgumentParser)
    o = osub.add_parser("list", help="liste les objectifs (avec leur n°)")
    o.add_argument("--territoire", metavar="CODE", help="seulement ce territoire (R82, CME38…)")
    o.add_argument("--indicateur", metavar="ID", help="seulement cet indicateur (Q4.C3.I1…)")
    o = osub.add_parser("add", help="ajoute un objectif, ou modifie celui de même indicateur, territoire et "
                                    "première année")
    o.add_argument("--indicateur", required=True, metavar="ID", help="indicateur du référentiel (Q4.C3.I1…)")
    o.add_argument("--territoire", required=True, metavar="CODE", help="R82 pour la région, CME38, 38…")
    o.add_argument("--de", required=True, type=int, metavar="AAAA", help="première année")
    o.add_argument("--a", required=True, type=int, metavar="AAAA", help="dernière année (l'échéance)")
    o.add_argument("--portee", required=True, choices=["chaque_annee", "echeance"],
                   help="chaque_annee : chaque année de la période ; echeance : la valeur de la dernière année")
    o.add_argument("--comparateur", required=True, choices=["ge", "le", "eq"],
                   help="ge : au moins ; le : au plus ; eq : égal à")
    o.add_argument("--cible", required=True, metavar="VALEUR",
                   help="dans l'unité de l'indicateur (une part en %%, de 0 à 100) ; virgule ou point décimal")
    o.add_argument("--origine", metavar="TEXTE", help="décision du CPR, fiche CPOM…")
    o.add_argument("--precisions", metavar="TEXTE")
    o.add_argument("--utilisateur", metavar="IDENTIFIANT",
                   help="au nom de ce compte (administrateur) ; par défaut cli:<utilisateur du système>")
    o = osub.add_parser("remove", help="supprime un objectif par son n° (voir list)")
    o.add_argument("id", type=int, metavar="N")
    o.add_argument("--utilisateur", metavar="IDENTIFIANT")

    p = sub.add_parser("digest", help="récapitulatif par courriel de ce qui a changé pour chaque compte "
                                      "(verdicts, objectifs, livraisons en retard, imports, commentaires)")
    p.add_argument("--depuis", metavar="JJ/MM/AAAA", help="depuis cette date (défaut : le récapitulatif précédent, "
                                                          "sinon 7 jours)")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--envoyer", action="store_true", help="envoyer par SMTP (MAINTIEN_SMTP_HOST…)")
    how.add_argument("--sortie", metavar="DOSSIER", help="écrire les courriels en fichiers .eml dans ce dossier")

    sub.add_parser("info", help="état de la base : schéma, données fictives, nombre de lignes")

    p = sub.add_parser("bilan", help="bilan annuel d'un territoire de CME, ou évaluation annuelle de la région "
                                     "(R82) : HTML, PDF (A4) et annexe XLSX")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--territoire", metavar="CODE", help="code du territoire de CME (ex. CME42), ou R82 : "
                                                          "l'évaluation annuelle de la région par le CPR")
    who.add_argument("--all", action="store_true", help="tous les territoires de CME ayant des données cette année")
    p.add_argument("--annee", type=int, required=True, metavar="AAAA", help="année du bilan")
    p.add_argument("--out", required=True, metavar="DOSSIER", help="dossier où écrire les fichiers")
    p.add_argument("--format", default="html,pdf,xlsx", help="formats, séparés par des virgules (défaut html,pdf,xlsx)")

    p = sub.add_parser("bench", help="mesures de performance (pages, affichage dans Chromium, filtre, import, mémoire)")
    p.add_argument("--scale", default="1,100", help="échelles, séparées par des virgules (défaut 1,100)")
    p.add_argument("--runs", type=_positive_int, default=5, help="répétitions par mesure (médiane)")
    p.add_argument("--work-dir", help="dossier des bases de mesure (réutilisées d'un passage à l'autre)")
    p.add_argument("--browser-only", action="store_true",
                   help="seulement le temps d'affichage dans Chromium (pages, changement de territoire)")
    p.add_argument("--importeur", action="store_true",
                   help="seulement le débit de l'import validant (appels et situations, CSV et XLSX), dans des "
                        "bases neuves sur le serveur de --database-url (défaut : SQLite)")
    p.add_argument("--lignes", type=_positive_int, default=50_000, help="lignes par fichier importé (défaut 50 000)")
    p.add_argument("--copie-de", metavar="FICHIER",
                   help="avec --importeur : importer dans une copie de cette base SQLite remplie")
    p = sub.add_parser("load", help="test de charge : N utilisateurs simulés (protocole de Streamlit, sans "
                                    "navigateur) ou N sessions de navigateur contre un serveur en boucle locale")
    p.add_argument("--sessions", type=_session_counts, default="20",
                   help="sessions simultanées (défaut 20) ; plusieurs nombres séparés par des virgules : une "
                        "mesure après l'autre sur les mêmes serveurs (ex. 20,50)")
    p.add_argument("--duration", type=_positive_int, default=120, help="durée en secondes (défaut 120)")
    p.add_argument("--base-url", help="serveur déjà lancé sur cette machine (défaut : un serveur démarré ici)")
    p.add_argument("--processus", type=_positive_int, default=1,
                   help="processus du serveur démarrés ici, plusieurs derrière nginx (défaut 1)")
    p.add_argument("--a-froid", action="store_true",
                   help="sans attendre la fin du préchauffage des serveurs démarrés ici")
    p.add_argument("--navigateur", action="store_true",
                   help="sessions de Chromium au lieu d'utilisateurs simulés (quelques sessions)")
    return parser


def _session_counts(text: str) -> str:
    counts = [c.strip() for c in text.split(",")]
    if not counts or not all(c.isdigit() and int(c) > 0 for c in counts):
        raise argparse.ArgumentTypeError(f"nombres entiers positifs séparés par des virgules attendus, pas « {text} »")
    return ",".join(counts)


def _engine(args, *, auto_sample: bool = False):
    from dashboard.services.bootstrap import open_store

    return open_store(args.database_url, auto_sample=auto_sample)


def cmd_init(args) -> int:
    from data_access.db import store_is_empty, write_transaction
    from data_access.reference import REFERENCE_TABLES, reference_version, sync_reference
    from sample_data.generator import load_sample

    engine = _engine(args)
    with write_transaction(engine) as conn:
        changes = sync_reference(conn)
    with engine.connect() as conn:
        from data_access.db import row_counts

        counts = row_counts(conn)
    held = ", ".join(f"{counts[t]} {REFERENCE_LABELS[t]}" for t in REFERENCE_TABLES)
    changed = sum(a + u for a, u in changes.values())
    print(f"Schéma à jour. Données de référence (version {reference_version()}) : {held}"
          + (f" ; {count(changed, 'ligne ajoutée ou mise à jour', 'lignes ajoutées ou mises à jour')}."
             if changed else "."))
    if not args.sample:
        return EXIT_OK
    if not store_is_empty(engine):
        if not args.force:
            print("Erreur : la base contient déjà des données. Utilisez --force pour la vider "
                  "et charger les données d'exemple.", file=sys.stderr)
            return EXIT_DATA
        _empty_store(engine)
    from dashboard.core.formatting import fmt_number
    from dashboard.core.warm import warm_aggregates

    counts = load_sample(engine, scale=args.scale)
    print(f"Données d'exemple (fictives) chargées à l'échelle {args.scale} : "
          f"{fmt_number(sum(counts.values()))} lignes dans {len(counts)} tables.")
    warm_aggregates(engine)
    return EXIT_OK


REFERENCE_LABELS = {"territory": "territoires", "cme_perimeter": "périmètres de CME", "institution": "institutions",
                    "reporting_year": "années", "instance": "instances", "survey_question": "questions d'enquête"}


def _empty_store(engine) -> None:
    """Delete every row, then load the reference data again (``init --sample --force``)."""
    from sqlmodel import SQLModel

    from data_access.db import write_transaction
    from data_access.reference import sync_reference

    with write_transaction(engine) as conn:
        for tbl in reversed(SQLModel.metadata.sorted_tables):
            if tbl.name != "store_meta":
                conn.execute(tbl.delete())
        sync_reference(conn)


def cmd_coverage(args) -> int:
    import pandas as pd

    from dashboard.core.coverage import indicator_coverage

    engine = _engine(args)
    cov = indicator_coverage(engine)
    from dashboard.core import completeness

    deliveries = completeness.deliveries(engine)
    if args.json:
        payload = {
            "deliveries": [
                {"institution": r.institution_code, "dataset": r.dataset, "year": int(r.year),
                 "expected": r.expected_date.isoformat(),
                 "received": r.received_date.isoformat() if r.received_date is not None and not pd.isna(r.received_date)
                 else None, "rows": int(r.rows), "status": r.status}
                for r in deliveries.itertuples()],
            "indicators": [c.as_dict() for c in cov],
            "summary": {
                "indicators": len(cov),
                "questions_1_5": sum(1 for c in cov if c.question != "Q6"),
                "question_6": sum(1 for c in cov if c.question == "Q6"),
                "showable": sum(1 for c in cov if c.showable),
            },
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        width = max(len(c.label) for c in cov)
        for c in cov:
            years = f"{c.years[0]}-{c.years[-1]}" if c.years else "—"
            mark = "oui" if c.showable else "NON"
            print(f"{c.id:<10} {c.label:<{width}}  {c.rows:>8} lignes  années {years:<9}  "
                  f"{len(c.territories):>2} territoires  affichable : {mark}")
        shown = sum(1 for c in cov if c.showable)
        print(f"\n{shown} indicateurs affichables sur {len(cov)}.")
        if not deliveries.empty:
            counts = deliveries["status"].value_counts()
            print(f"Livraisons des partenaires : {int(counts.get('reçue', 0))} reçues, "
                  f"{int(counts.get('reçue en retard', 0))} en retard, {int(counts.get('manquante', 0))} manquantes.")
            if args.livraisons:
                print(completeness.deliveries_matrix(deliveries).to_string(index=False))
    return EXIT_OK if all(c.showable for c in cov) else EXIT_DATA


def cmd_export(args) -> int:
    from data_access.bundle import RESET_COMMAND, export_bundle

    engine = _engine(args)
    manifest = export_bundle(engine, args.directory, password_hashes=args.with_passwords)
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"Export écrit dans {args.directory} : {len(manifest['tables'])} tables, {rows} lignes.")
    if args.with_passwords:
        print(f"Attention : {args.directory}/user_account.csv contient les empreintes des mots de passe des "
              "comptes. Conservez cet export comme un secret (lisible par vous seul : dossier 0700, "
              "fichiers 0600) et supprimez-le dès qu'il ne sert plus.", file=sys.stderr)
    else:
        print("Comptes exportés sans leur mot de passe : après rechargement de cet export, un administrateur "
              f"définit celui de chaque compte avec « {RESET_COMMAND} » (ou exportez avec "
              "--avec-mots-de-passe pour une copie exacte).")
    return EXIT_OK


def cmd_import(args) -> int:
    path = Path(args.path)
    if not path.exists():
        print(f"Erreur : {path} introuvable.", file=sys.stderr)
        return EXIT_USAGE
    if path.is_dir():
        return _import_bundle(args, path)
    from data_access import intake
    from data_access.datasets import DATASETS
    from data_access.users import load_user

    if args.dataset and args.dataset not in DATASETS:
        print(f"Erreur : jeu de données inconnu « {args.dataset} ». Jeux possibles : {', '.join(DATASETS)}.",
              file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    from dashboard.services import importing

    who, user = f"cli:{_os_user()}", None
    if args.utilisateur:
        user = load_user(engine, args.utilisateur)
        if user is None:
            print(f"Erreur : compte « {args.utilisateur} » inconnu ou désactivé.", file=sys.stderr)
            return EXIT_USAGE
        if not user.can_write:
            print(f"Erreur : le compte « {user.username} » ({user.role_label}) ne peut pas importer.", file=sys.stderr)
            return EXIT_DATA
        who = user.username
    if args.partenaire:
        from data_access.queries import institutions

        known = set(institutions(engine)["code"])
        if args.partenaire not in known:
            print(f"Erreur : institution « {args.partenaire} » inconnue.", file=sys.stderr)
            return EXIT_USAGE
    checked = importing.check_file(engine, path.read_bytes(), path.name, dataset=args.dataset, user=user,
                                   username=who, institution=args.partenaire, journal=not args.dry_run)
    v = checked.validated
    if v is not None:
        print(f"{path.name} : {v.dataset.label} ({v.dataset.name}) — {v.source}, {count(v.read, 'ligne lue')}.")
        for note in v.notes:
            print(f"  (lu ainsi : {note})")
    if not checked.ok:
        _print_refusal(checked.problems, count=checked.problem_count, failed=checked.failed)
        return EXIT_USAGE if checked.usage_error else EXIT_DATA
    pv = checked.preview
    print("Changements :", pv.summary() + ".")
    if pv.by_territory is not None and not pv.by_territory.empty:
        print(pv.by_territory.to_string(index=False))
    if not pv.by_year.empty:
        print(pv.by_year.to_string(index=False))
    for sentence in pv.replaced:
        print(f"  - {sentence}")
    if pv.removed:
        print(f"Attention : {pv.removals_text()}.")
    if args.dry_run:
        print("Vérification seulement (--dry-run) : rien n'a été écrit.")
        return EXIT_OK
    if pv.removed and not args.confirmer_suppressions:
        print(f"Import non effectué, la base n'a pas été modifiée : il supprimerait "
              f"{count(len(pv.removed), 'ligne déjà reçue', 'lignes déjà reçues')}. Relisez l'aperçu ci-dessus, "
              "puis relancez avec --confirmer-suppressions pour confirmer.",
              file=sys.stderr)
        return EXIT_DATA
    try:
        outcome = importing.confirm_file(engine, checked, username=who, institution=args.partenaire,
                                         removals_confirmed=args.confirmer_suppressions)
    except intake.IntakeError as exc:
        _print_refusal(exc.problems)
        return EXIT_DATA
    print(f"Import terminé : {outcome.summary()} (journal n° {outcome.journal_id}).")
    if outcome.changed:
        from dashboard.core.warm import warm_aggregates

        warm_aggregates(engine)
    return EXIT_OK


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "inconnu"


def _print_refusal(problems: list[str], count: int | None = None, failed: bool = False) -> None:
    n = count if count is not None else len(problems)
    if failed:
        print("Import impossible, la base n'a pas été modifiée :", file=sys.stderr)
    else:
        print(f"Import refusé, la base n'a pas été modifiée ({n} problème{'s' if n > 1 else ''}) :", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def _import_bundle(args, path: Path) -> int:
    from data_access.bundle import BundleError, import_bundle

    engine = _engine(args)
    try:
        counts = import_bundle(engine, path)
    except BundleError as exc:
        _print_refusal(exc.problems)
        return EXIT_DATA
    print(f"Export rechargé : {sum(counts.values())} lignes dans {len(counts)} tables.")
    from dashboard.core.warm import warm_aggregates

    warm_aggregates(engine)
    return EXIT_OK


def _read_password(args, prompt: str = "Mot de passe : ") -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(prompt)
    if getpass.getpass("Confirmez : ") != first:
        raise SystemExit("Erreur : les deux saisies diffèrent.")
    return first


def cmd_referentiel(args) -> int:
    from dashboard.reports import referentiel_doc

    if not args.write:
        print(referentiel_doc.counts_markdown(referentiel_doc.load_referentiel()), end="")
        return EXIT_OK
    path = referentiel_doc.write()
    print(f"écrit : {path.relative_to(referentiel_doc.ROOT)}")
    return EXIT_OK


def cmd_formats(args) -> int:
    from dashboard.reports import formats_doc

    if not args.write:
        print(formats_doc.partner_formats_markdown())
        return EXIT_OK
    engine = _engine(args, auto_sample=True)
    for path in formats_doc.write(engine):
        print(f"écrit : {path.relative_to(formats_doc.ROOT)}")
    return EXIT_OK


def cmd_user(args) -> int:
    from data_access.users import (
        AccountError,
        User,
        add_user,
        describe_identity,
        link_identity,
        list_users,
        unlink_identity,
        unlock,
        update_user,
    )

    if not args.user_command:
        print("Erreur : précisez une action (add, set, list, unlock, link, unlink).", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    # whoever runs the command line on the store acts as an administrator, journaled as cli:<os user>
    admin = User(f"cli:{_os_user()}", "ligne de commande", "administrateur", frozenset(), None)
    try:
        if args.user_command == "link":
            link_identity(engine, args.username, args.emetteur, args.sujet, by=admin)
            print(f"Compte « {args.username} » associé à l'identité "
                  f"{describe_identity(args.emetteur.strip(), args.sujet.strip())}.")
            return EXIT_OK
        if args.user_command == "unlink":
            had = unlink_identity(engine, args.username, by=admin)
            print(f"Compte « {args.username} » : identité OpenID Connect retirée." if had
                  else f"Le compte « {args.username} » n'avait pas d'identité OpenID Connect.")
            return EXIT_OK
        if args.user_command == "unlock":
            cleared = unlock(engine, args.username, by=admin)
            print(f"Compte « {args.username.strip().lower()} » déverrouillé : {cleared} échec"
                  f"{'s' if cleared > 1 else ''} de connexion effacé{'s' if cleared > 1 else ''}.")
            return EXIT_OK
        if args.user_command == "list":
            frame = list_users(engine)
            print(frame.drop(columns=["Créé le"]).to_string(index=False) if not frame.empty else "Aucun compte.")
            return EXIT_OK
        if args.user_command == "add":
            user = add_user(engine, args.username, _read_password(args), role=args.role, display_name=args.nom,
                            territories=args.territoire)
            terr = f", territoires {', '.join(sorted(user.territories))}" if user.territories else ""
            print(f"Compte « {user.username} » créé ({user.role_label}{terr}).")
            return EXIT_OK
        password = _read_password(args, "Nouveau mot de passe : ") if (args.mot_de_passe or args.password_stdin) \
            else None
        active = False if args.desactiver else (True if args.activer else None)
        update_user(engine, args.username, role=args.role, territories=args.territoire, password=password,
                    active=active)
        print(f"Compte « {args.username} » modifié.")
        return EXIT_OK
    except AccountError as exc:
        for problem in exc.problems:
            print(f"Erreur : {problem}", file=sys.stderr)
        return EXIT_DATA


def cmd_objective(args) -> int:
    """The objectives register from the command line: through the one import service (validated as a
    form's row, journaled), as the account given or the command line's administrator."""
    from data_access import intake
    from data_access.queries import objectives
    from data_access.users import User, WriteRefused, load_user
    from data_access.vocabulary import COMPARATOR, OBJECTIVE_RULE

    if not args.objective_command:
        print("Erreur : précisez une action (list, add, remove).", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    if args.objective_command == "list":
        rows = objectives(engine, args.indicateur, args.territoire)
        if not rows:
            print("Aucun objectif.")
            return EXIT_OK
        for r in rows:
            target = f"{r['target']:g}".replace(".", ",")
            print(f"n° {r['id']} · {r['indicator_id']} · {r['territory_code']} · {r['first_year']}-{r['last_year']} · "
                  f"{OBJECTIVE_RULE[r['rule']].lower()} · {COMPARATOR[r['comparator']].lower()} {target}"
                  + (f" · {r['source']}" if r["source"] else ""))
        return EXIT_OK
    user = User(f"cli:{_os_user()}", "ligne de commande", "administrateur", frozenset(), None)
    if args.utilisateur:
        user = load_user(engine, args.utilisateur)
        if user is None:
            print(f"Erreur : compte « {args.utilisateur} » inconnu ou désactivé.", file=sys.stderr)
            return EXIT_USAGE
    from dashboard.services import importing

    try:
        if args.objective_command == "remove":
            importing.delete_record(engine, "objective", args.id, user)
            print(f"Objectif n° {args.id} supprimé.")
            return EXIT_OK
        try:
            target = float(args.cible.replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            print(f"Erreur : --cible : nombre attendu, reçu « {args.cible} ».", file=sys.stderr)
            return EXIT_USAGE
        values = {"indicator_id": args.indicateur, "territory_code": args.territoire, "first_year": args.de,
                  "last_year": args.a, "rule": args.portee, "comparator": args.comparateur, "target": target,
                  "source": args.origine, "note": args.precisions}
        existing = [r["id"] for r in objectives(engine, args.indicateur, args.territoire) if r["first_year"] == args.de]
        record_id = importing.save_record(engine, "objective", values, user,
                                          record_id=existing[0] if existing else None)
    except intake.IntakeError as exc:
        _print_refusal(exc.problems)
        return EXIT_DATA
    except WriteRefused as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_DATA
    print(f"Objectif n° {record_id} {'modifié' if existing else 'enregistré'}.")
    from dashboard.core.warm import warm_aggregates

    warm_aggregates(engine)
    return EXIT_OK


def cmd_digest(args) -> int:
    import datetime as dt

    from dashboard.core.indicators import Reference
    from dashboard.core.referentiel import load_referentiel
    from dashboard.services import digest
    from data_access.queries import store_info
    from data_access.settings import get_settings

    settings = get_settings()
    if args.envoyer and not settings.smtp_host:
        print("Erreur : aucun serveur SMTP configuré (MAINTIEN_SMTP_HOST) ; utilisez --sortie DOSSIER pour écrire "
              "les courriels en fichiers.", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    if args.depuis:
        try:
            since = dt.datetime.strptime(args.depuis, "%d/%m/%Y").date()
        except ValueError:
            print(f"Erreur : --depuis : date JJ/MM/AAAA attendue, reçu « {args.depuis} ».", file=sys.stderr)
            return EXIT_USAGE
    else:
        last = digest.last_run(engine)        # from the previous run's time, else a week
        since = last if last else dt.date.today() - dt.timedelta(days=7)
    run_at = digest.started()
    digests, state = digest.build(engine, load_referentiel(), Reference.from_engine(engine), since,
                                  sample=store_info(engine)["sample"], public_url=settings.public_url)
    messages = [digest.to_message(d, settings.smtp_from) for d in digests]
    if args.envoyer:
        import smtplib

        try:
            digest.send(messages, host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls,
                        user=settings.smtp_user, password=settings.smtp_password)
        except (smtplib.SMTPException, OSError) as exc:
            print(f"Erreur : envoi impossible par {settings.smtp_host}:{settings.smtp_port} ({exc}) ; rien n'est "
                  "enregistré, le prochain récapitulatif reprendra les mêmes changements.", file=sys.stderr)
            return EXIT_DATA
        for d in digests:
            print(f"envoyé : {d.recipient.email} ({count(d.items, 'nouveauté')})")
    else:
        for path in digest.write(messages, digests, Path(args.sortie)):
            print(path)
    digest.record(engine, state, since, len(messages), sent=bool(args.envoyer), run_at=run_at)
    print(f"Récapitulatif depuis le {since:%d/%m/%Y} : {count(len(messages), 'courriel')} "
          f"({'envoyés' if args.envoyer else 'écrits'}).", file=sys.stderr)
    return EXIT_OK


def cmd_info(args) -> int:
    from sqlalchemy.engine import make_url

    from data_access.db import current_revision, row_counts
    from data_access.queries import store_info

    engine = _engine(args)
    info = store_info(engine)
    with engine.connect() as conn:
        counts = row_counts(conn)
    print(f"Base : {make_url(str(engine.url)).render_as_string(hide_password=True)}")
    print(f"Révision du schéma : {current_revision(engine)}")
    print(f"Données fictives : {'oui (échelle ' + str(info['sample_scale']) + ')' if info['sample'] else 'non'}")
    print(f"Version des données : {info['data_version']}")
    print(f"Lignes : {sum(counts.values())} dans {sum(1 for v in counts.values() if v)} tables non vides")
    return EXIT_OK


def cmd_bilan(args) -> int:
    from tqdm import tqdm

    from dashboard.core.filters import territory_scope
    from dashboard.core.indicators import Reference
    from dashboard.core.referentiel import load_referentiel
    from dashboard.reports.bilan import BilanError, build_bilan, check_request, check_year, cme_territories, has_data
    from dashboard.reports.bilan_export import FORMATS, PdfUnavailable, maybe_renderer, pdf_available, write_bilan
    from data_access.queries import store_info
    from data_access.settings import get_settings

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        print(f"Erreur : format inconnu « {', '.join(unknown) or args.format} » ; formats possibles : "
              f"{', '.join(FORMATS)}.", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    referentiel, ref = load_referentiel(), Reference.from_engine(engine)
    status = EXIT_OK
    try:
        if args.all:
            check_year(engine, args.annee)
            candidates = cme_territories(ref)
            targets = [c for c in candidates if has_data(
                engine, referentiel, ref, territory_scope(c, ref.territories, ref.perimeters), args.annee)]
            if not targets:
                raise BilanError(f"Aucun territoire de CME n'a de données en {args.annee} : pas de bilan à produire.")
            skipped = sorted(set(candidates) - set(targets))
            for code in skipped:
                print(f"{ref.territory_label(code)} : aucune donnée en {args.annee}, pas de bilan.", file=sys.stderr)
        else:
            check_request(engine, referentiel, args.territoire, args.annee, ref)
            targets = [args.territoire]
    except BilanError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_DATA
    if "pdf" in formats and (reason := pdf_available()):
        print(reason, file=sys.stderr)
        formats = [f for f in formats if f != "pdf"]
        status = EXIT_DATA
        if not formats:
            return status
    sample = store_info(engine)["sample"]
    threshold = get_settings().small_cell_threshold
    out = Path(args.out)
    written = []
    try:
        with maybe_renderer(formats) as renderer, tqdm(total=len(targets) * (len(formats) + 1), unit="étape",
                                                       desc="Bilans", file=sys.stderr, ncols=80) as bar:
            for code in targets:
                bar.set_postfix_str(code)
                bilan = build_bilan(engine, referentiel, ref, code, args.annee, small_cell_threshold=threshold,
                                    sample=sample)
                bar.update(1)
                for fmt in formats:
                    written += write_bilan(bilan, out, (fmt,), renderer)
                    bar.update(1)
    except PdfUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_DATA
    for path in written:
        print(path)
    print(f"{count(len(written), 'fichier écrit')} dans {out}.", file=sys.stderr)
    return status


def cmd_bench(args) -> int:
    from dashboard.tools.bench import main as bench_main

    if args.importeur:
        from dashboard.tools.importbench import table

        url = f"sqlite:///{Path(args.copie_de).resolve()}" if args.copie_de else (
            args.database_url or "sqlite:///importbench.sqlite3")
        print(table(url, args.lignes, args.runs, copy=bool(args.copie_de)))
        return EXIT_OK

    argv = ["--scale", args.scale, "--runs", str(args.runs)]
    if args.work_dir:
        argv += ["--work-dir", args.work_dir]
    if args.browser_only:
        argv.append("--browser-only")
    return bench_main(argv)


def cmd_load(args) -> int:
    from dashboard.tools.load import main as load_main

    argv = ["--sessions", str(args.sessions), "--duration", str(args.duration)]
    if args.database_url:
        argv += ["--database-url", args.database_url]
    if args.base_url:
        argv += ["--base-url", args.base_url]
    if args.navigateur:
        argv.append("--navigateur")
    if args.processus != 1:
        argv += ["--processus", str(args.processus)]
    if args.a_froid:
        argv.append("--a-froid")
    return load_main(argv)


COMMANDS = {
    "init": cmd_init, "coverage": cmd_coverage, "export": cmd_export,
    "import": cmd_import, "info": cmd_info, "bilan": cmd_bilan, "bench": cmd_bench,
    "load": cmd_load, "user": cmd_user, "formats": cmd_formats, "referentiel": cmd_referentiel,
    "objectif": cmd_objective, "digest": cmd_digest,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:  # pragma: no cover
        print("Interrompu.", file=sys.stderr)
        return EXIT_DATA
    except Exception as exc:  # noqa: BLE001 - last-resort French message, no traceback, no SQL
        from sqlalchemy.exc import OperationalError

        from data_access.imports import safe_detail

        if isinstance(exc, OperationalError):
            print(f"Erreur : impossible d'accéder à la base ({safe_detail(exc)}).", file=sys.stderr)
        else:
            print(f"Erreur inattendue ({safe_detail(exc)}).", file=sys.stderr)
        return EXIT_DATA
