"""French wording shared by every layer: counts with their agreement ("1 ligne ajoutée",
"3 lignes ajoutées", never "ligne(s)")."""

from __future__ import annotations


def count(n: int | float, singular: str, plural: str | None = None) -> str:
    """``n`` followed by the noun phrase agreeing with it. French takes the singular below 2
    ("0 ligne", "1 ligne", "2 lignes"); ``plural`` defaults to each word of ``singular`` + "s".
    Numbers are written the French way (``1 234``, narrow no-break space)."""
    many = abs(n) >= 2
    if plural is None:
        plural = " ".join(w if w.endswith(("s", "x")) else w + "s" for w in singular.split(" "))
    number = f"{int(n):,}".replace(",", "\u202f") if float(n).is_integer() else f"{n}".replace(".", ",")
    return f"{number} {plural if many else singular}"
