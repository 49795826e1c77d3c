#!/usr/bin/env python3
"""DuckDB reads selfbuilt's Parquet outputs as they are and reproduces tally.csv with SQL.

usage: rollup_totals.py ROLLUP_DIR [HIVE_DIR]

ROLLUP_DIR is a `selfbuilt rollup` output folder: the SQL sums of its tally.parquet must
equal its tally.csv's last row (合计) column for column, and the sums per county and
township its township rows. HIVE_DIR, when given, is a `selfbuilt run --parquet` folder
holding the same runs as the roll-up: its tally/**/*.parquet, read with Hive
partitioning, must give the same totals. The queries are the README's.

Exit status: 0 all equal; 1 a difference (each printed); 3 the duckdb package is missing
(tests/rollup.rs fails in CI, skips elsewhere); 2 bad arguments.
"""

import csv
import sys
from pathlib import Path

try:
    import duckdb
except ImportError as e:  # the Rust test decides: a failure in CI, a skip elsewhere
    print(f"skipped: the duckdb package is not installed ({e}); pip install duckdb", file=sys.stderr)
    sys.exit(3)


def read_tally_csv(path):
    """tally.csv's header and rows (BOM stripped; a leading ' of a formula-like cell kept)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def number(cell):
    """A count of tally.csv: an empty cell is a column no run could count (None)."""
    return int(cell) if cell != "" else None


def quoted(name):
    """A column name in SQL."""
    return '"' + name.replace('"', '""') + '"'


def text(value):
    """A string literal in SQL (a path)."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_totals(con, source, keys):
    """SUM of each column over every row of `source` (a FROM clause)."""
    sums = ", ".join(f"SUM({quoted(k)})::BIGINT" for k in keys)
    return list(con.execute(f"SELECT {sums} FROM {source}").fetchone())


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    rollup = Path(argv[1])
    header, rows = read_tally_csv(rollup / "tally.csv")
    if header[:2] != ["county", "township"] or not rows:
        print(f"{rollup}/tally.csv is not a roll-up's: {header}", file=sys.stderr)
        return 1
    keys = header[2:]
    total = [number(c) for c in rows[-1][2:]]
    con = duckdb.connect()
    problems = []

    # The README's query: the roll-up's tally.parquet summed by SQL is its 合计.
    source = f"read_parquet({text(rollup / 'tally.parquet')})"
    got = sql_totals(con, source, keys)
    for key, want, have in zip(keys, total, got):
        if want != have:
            problems.append(f"{source}: SUM({key}) = {have}, tally.csv 合计 says {want}")

    # Each township's row of tally.csv is its SQL sum (the parquet has a row per township).
    per_town = con.execute(
        f"SELECT county, township, {', '.join(f'SUM({quoted(k)})::BIGINT' for k in keys)} "
        f"FROM {source} GROUP BY ALL"
    ).fetchall()
    by_place = {(c or "", t or ""): list(v) for c, t, *v in per_town}
    townships = 0
    for row in rows[:-1]:
        place = (row[0], row[1])
        if place not in by_place:
            continue  # a county's subtotal line
        townships += 1
        want = [number(c) for c in row[2:]]
        if by_place[place] != want:
            problems.append(f"{place}: SQL {by_place[place]}, tally.csv {want}")
    if townships != len(by_place):
        problems.append(f"tally.csv has {townships} township rows, the parquet {len(by_place)} townships")

    if len(argv) == 3:
        # The runs' own --parquet folder, read as Spark and Trino read it: Hive partitions.
        hive = Path(argv[2])
        source = f"read_parquet({text(hive / 'tally' / '**' / '*.parquet')}, hive_partitioning=true)"
        got = sql_totals(con, source, keys)
        for key, want, have in zip(keys, total, got):
            if want != have:
                problems.append(f"{source}: SUM({key}) = {have}, tally.csv 合计 says {want}")
        n = con.execute(f"SELECT COUNT(DISTINCT (county, township)) FROM {source}").fetchone()[0]
        if n != townships:
            problems.append(f"{source}: {n} townships, the roll-up {townships}")

    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print(f"duckdb {duckdb.__version__}: {len(keys)} columns, {townships} townships: the SQL sums are tally.csv's")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
