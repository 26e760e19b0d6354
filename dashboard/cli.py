"""Command line: ``python -m dashboard …``.

Exit codes: 0 success, 1 rejected data or failed operation, 2 usage error.
Messages for users are in French.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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

    p = sub.add_parser("coverage", help="couverture des indicateurs du référentiel par les données")
    p.add_argument("--json", action="store_true", help="sortie JSON")

    p = sub.add_parser("export", help="exporte toute la base : un CSV par table et un manifeste")
    p.add_argument("directory", metavar="DOSSIER")

    p = sub.add_parser("import", help="recharge un export complet (dossier) ou un fichier CSV d'une table")
    p.add_argument("path", metavar="CHEMIN")
    p.add_argument("--dataset", help="table à alimenter (par défaut : le nom du fichier)")

    sub.add_parser("info", help="état de la base : schéma, données fictives, nombre de lignes")

    p = sub.add_parser("bilan", help="bilan annuel d'un territoire de CME : HTML, PDF (A4) et annexe XLSX")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--territoire", metavar="CODE", help="code du territoire de CME (ex. CME42)")
    who.add_argument("--all", action="store_true", help="tous les territoires de CME ayant des données cette année")
    p.add_argument("--annee", type=int, required=True, metavar="AAAA", help="année du bilan")
    p.add_argument("--out", required=True, metavar="DOSSIER", help="dossier où écrire les fichiers")
    p.add_argument("--format", default="html,pdf,xlsx", help="formats, séparés par des virgules (défaut html,pdf,xlsx)")

    p = sub.add_parser("bench", help="mesures de performance (pages, filtre, import, mémoire)")
    p.add_argument("--scale", default="1,100", help="échelles, séparées par des virgules (défaut 1,100)")
    p.add_argument("--runs", type=_positive_int, default=5, help="répétitions par mesure (médiane)")
    p.add_argument("--work-dir", help="dossier des bases de mesure (réutilisées d'un passage à l'autre)")
    p = sub.add_parser("load", help="test de charge : N sessions de navigateur simultanées contre un serveur")
    p.add_argument("--sessions", type=_positive_int, default=20, help="sessions simultanées (défaut 20)")
    p.add_argument("--duration", type=_positive_int, default=120, help="durée en secondes (défaut 120)")
    return parser


def _engine(args, *, auto_sample: bool = False):
    from .bootstrap import open_store

    return open_store(args.database_url, auto_sample=auto_sample)


def cmd_init(args) -> int:
    from data_access.db import store_is_empty

    from .sample import load_sample

    engine = _engine(args)
    if not args.sample:
        print("Schéma à jour.")
        return EXIT_OK
    if not store_is_empty(engine):
        if not args.force:
            print("Erreur : la base contient déjà des données. Utilisez --force pour la vider "
                  "et charger les données d'exemple.", file=sys.stderr)
            return EXIT_DATA
        _empty_store(engine)
    from .formatting import fmt_number

    from .warm import warm_aggregates

    counts = load_sample(engine, scale=args.scale)
    print(f"Données d'exemple (fictives) chargées à l'échelle {args.scale} : "
          f"{fmt_number(sum(counts.values()))} lignes dans {len(counts)} tables.")
    warm_aggregates(engine)
    return EXIT_OK


def _empty_store(engine) -> None:
    from sqlmodel import SQLModel

    with engine.begin() as conn:
        for tbl in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(tbl.delete())


def cmd_coverage(args) -> int:
    from .coverage import indicator_coverage

    engine = _engine(args)
    cov = indicator_coverage(engine)
    if args.json:
        payload = {
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
    return EXIT_OK if all(c.showable for c in cov) else EXIT_DATA


def cmd_export(args) -> int:
    from data_access.bundle import export_bundle

    engine = _engine(args)
    manifest = export_bundle(engine, args.directory)
    rows = sum(t["rows"] for t in manifest["tables"])
    print(f"Export écrit dans {args.directory} : {len(manifest['tables'])} tables, {rows} lignes.")
    return EXIT_OK


def cmd_import(args) -> int:
    from data_access.bundle import BundleError, import_bundle, import_table_file

    path = Path(args.path)
    if not path.exists():
        print(f"Erreur : {path} introuvable.", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    try:
        if path.is_dir():
            counts = import_bundle(engine, path)
            print(f"Export rechargé : {sum(counts.values())} lignes dans {len(counts)} tables.")
        else:
            n = import_table_file(engine, path, args.dataset)
            print(f"{path.name} : {n} lignes importées.")
    except BundleError as exc:
        print("Import refusé, la base n'a pas été modifiée :", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_DATA
    from .warm import warm_aggregates

    warm_aggregates(engine)
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

    from data_access.queries import store_info
    from data_access.settings import get_settings

    from .bilan import BilanError, build_bilan, check_request, check_year, cme_territories, has_data
    from .bilan_export import FORMATS, PdfUnavailable, maybe_renderer, pdf_available, write_bilan
    from .filters import territory_scope
    from .indicators import Reference
    from .referentiel import load_referentiel

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
    print(f"{len(written)} fichier(s) écrit(s) dans {out}.", file=sys.stderr)
    return status


def cmd_bench(args) -> int:
    from .bench import main as bench_main

    argv = ["--scale", args.scale, "--runs", str(args.runs)]
    if args.work_dir:
        argv += ["--work-dir", args.work_dir]
    return bench_main(argv)


def cmd_load(args) -> int:
    from .load import main as load_main

    argv = ["--sessions", str(args.sessions), "--duration", str(args.duration)]
    if args.database_url:
        argv += ["--database-url", args.database_url]
    return load_main(argv)


COMMANDS = {
    "init": cmd_init, "coverage": cmd_coverage, "export": cmd_export,
    "import": cmd_import, "info": cmd_info, "bilan": cmd_bilan, "bench": cmd_bench,
    "load": cmd_load,
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
    except Exception as exc:  # noqa: BLE001 - last-resort French message, no traceback
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            print(f"Erreur : impossible d'accéder à la base ({str(exc.orig).strip()}).", file=sys.stderr)
        else:
            print(f"Erreur inattendue : {exc}", file=sys.stderr)
        return EXIT_DATA
