"""The command line as a user runs it: exit codes and French messages."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_no_command_is_a_usage_error():
    result = run()
    assert result.returncode == 2


def test_unknown_command_and_bad_scale_are_usage_errors():
    assert run("envoler").returncode == 2
    result = run("init", "--sample", "--scale", "zéro")
    assert result.returncode == 2
    assert "Erreur" in result.stderr and "n'est pas un nombre entier" in result.stderr


def test_coverage_json_lists_every_indicator_with_data(sample_url):
    result = run("--database-url", sample_url, "coverage", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    ids = [i["id"] for i in payload["indicators"]]
    from dashboard.core.referentiel import load_referentiel

    ref = load_referentiel()   # counts from the référentiel (the charter's own are guarded in test_referentiel)
    assert payload["summary"]["questions_1_5"] == sum(len(ref.indicators(q.id)) for q in ref.questions
                                                      if q.id != "Q6")
    assert payload["summary"]["question_6"] == len(ref.indicators("Q6"))
    assert len(ids) == len(set(ids))
    missing = [i["id"] for i in payload["indicators"] if not i["showable"]]
    assert missing == []
    ctme = next(i for i in payload["indicators"] if i["id"] == "Q4.C3.I1")
    assert ctme["years"] == [2016, 2017, 2018, 2019, 2020]
    assert len(ctme["territories"]) == 7


def test_coverage_on_an_empty_store_says_no(new_database_url):
    url = new_database_url()
    assert run("--database-url", url, "init").returncode == 0
    result = run("--database-url", url, "coverage")
    assert result.returncode == 1
    assert "affichable : NON" in result.stdout


def test_init_sample_refuses_a_filled_store(sample_url):
    result = run("--database-url", sample_url, "init", "--sample")
    assert result.returncode == 1
    assert "contient déjà des données" in result.stderr


def test_export_then_import_into_an_empty_store(sample_url, new_database_url, tmp_path):
    out = tmp_path / "export"
    assert run("--database-url", sample_url, "export", str(out)).returncode == 0
    assert (out / "manifest.json").exists() and (out / "ise_call.csv").exists()
    target = new_database_url()
    result = run("--database-url", target, "import", str(out))
    assert result.returncode == 0, result.stderr
    assert "Export rechargé" in result.stdout


def test_import_of_a_missing_path_and_of_a_bad_file(sample_url, tmp_path):
    result = run("--database-url", sample_url, "import", str(tmp_path / "absent.csv"))
    assert result.returncode == 2 and "introuvable" in result.stderr
    bad = tmp_path / "ctme_session.csv"
    bad.write_bytes(b"%PDF-1.4\n\x00\x01\x02\xff\xfe binary")
    result = run("--database-url", sample_url, "import", str(bad))
    assert result.returncode == 1
    assert "n'a pas été modifiée" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("scale", [1])
def test_info_reports_the_sample(sample_url, scale):
    result = run("--database-url", sample_url, "info")
    assert result.returncode == 0
    assert f"Données fictives : oui (échelle {scale})" in result.stdout
