import datetime as dt

from dashboard.core.formatting import fmt_date, fmt_number, fmt_percent

NNBSP = "\u202f"  # narrow no-break space: the French thousands separator (CLDR)


def test_numbers_use_french_separators():
    assert fmt_number(1234.5, 1) == f"1{NNBSP}234,5"
    assert fmt_number(1234567) == f"1{NNBSP}234{NNBSP}567"
    assert fmt_number(None) == "—"
    assert fmt_number(float("nan")) == "—"


def test_percent_and_dates():
    assert fmt_percent(0.425).startswith("42,5")
    assert fmt_percent(0.425).endswith("%")
    assert fmt_date(dt.date(2026, 11, 23)) == "23/11/2026"
    assert fmt_date(dt.datetime(2020, 1, 5, 10, 0)) == "05/01/2020"


def test_counts_agree_in_french():
    from data_access.wording import count

    assert count(0, "ligne ajoutée") == "0 ligne ajoutée"          # French: singular below 2
    assert count(1, "ligne ajoutée") == "1 ligne ajoutée"
    assert count(2, "ligne ajoutée") == "2 lignes ajoutées"
    assert count(12345, "enregistrement") == "12\u202f345 enregistrements"
    assert count(3, "compte rechargé") == "3 comptes rechargés"
    assert count(2, "ligne déjà reçue", "lignes déjà reçues") == "2 lignes déjà reçues"
    assert count(4, "fichier écrit") == "4 fichiers écrits"
