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

    p = sub.add_parser("bench", help="mesures de performance (pages, filtre, import, mémoire)")
    p.add_argument("--scale", default="1,100", help="échelles, séparées par des virgules (défaut 1,100)")
    p.add_argument("--runs", type=_positive_int, default=5, help="répétitions par mesure (médiane)")
    p.add_argument("--work-dir", help="dossier des bases de mesure (réutilisées d'un passage à l'autre)")
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


def cmd_bench(args) -> int:
    from .bench import main as bench_main

    argv = ["--scale", args.scale, "--runs", str(args.runs)]
    if args.work_dir:
        argv += ["--work-dir", args.work_dir]
    return bench_main(argv)


COMMANDS = {
    "init": cmd_init, "coverage": cmd_coverage, "export": cmd_export,
    "import": cmd_import, "info": cmd_info, "bench": cmd_bench,
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
