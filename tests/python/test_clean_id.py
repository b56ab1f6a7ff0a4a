"""keynode_clean_id on DuckDB (a fast path for ids of printable ASCII) gives exactly the value of its
definition, default__keynode_clean_id (trim, then no control character, else NULL).

Both expressions are rendered by real dbt (`dbt compile --inline`) and evaluated by DuckDB on the same
strings: hand-picked edge cases (spaces, tabs, NUL, DEL, Unicode spaces, non-ASCII text) and random
strings over an alphabet of those characters. Where the input is ASCII, a plain Python rule (strip
spaces; NULL when blank or holding U+0000-U+001F or U+007F) gives the expected value independently.
"""

from __future__ import annotations

import json
import random

import duckdb
import pytest
from conftest import make_warehouse
from keynode.dbt import run_dbt

EDGE_CASES = [
    "e1",
    "evt-000123",
    "a b",
    " a",
    "a ",
    "  ",
    "",
    "\t",
    "a\tb",
    "\n",
    "\x00",
    "ab\x07cd",
    "\x7f",
    "~!",
    " ~! ",
    "\u00a0a",
    "a\u00a0",
    "\u2003a\u2003",
    "é",
    " é ",
    "id🙂",
    "\x1f",
    "\x20",
    "\x21",
    "\x7e",
]
ALPHABET = ["a", "Z", "0", "-", "_", "~", "!", " ", "\t", "\n", "\x00", "\x1f", "\x7f"]
ALPHABET += ["\u00a0", "\u2003", "é"]  # Unicode spaces trim removes, and a non-ASCII letter


def ascii_rule(value: str) -> str | None:
    """The definition for ASCII input: spaces trimmed; blank or any control character -> NULL."""
    trimmed = value.strip(" ")
    if not trimmed or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in trimmed):
        return None
    return trimmed


@pytest.fixture(scope="module")
def expressions(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("clean_id")
    wh = make_warehouse(root, root / "raw")
    template = (
        "{{ tojson({'dispatched': keynode_clean_id('x'), 'definition': default__keynode_clean_id('x')}) }}"
    )
    res = run_dbt(wh, ["compile", "--inline", template])
    return json.loads(res.result.results[0].node.compiled_code)


def test_duckdb_clean_id_equals_its_definition_and_the_ascii_rule(expressions):
    assert expressions["dispatched"] != expressions["definition"], "DuckDB should have its own version"
    rng = random.Random(20261207)
    samples = EDGE_CASES + ["".join(rng.choices(ALPHABET, k=rng.randint(0, 6))) for _ in range(4000)]
    con = duckdb.connect()
    con.execute("create table ids (x varchar)")
    con.executemany("insert into ids values (?)", [[s] for s in samples] + [[None]])
    rows = con.execute(
        f"select x, {expressions['dispatched']} as fast, {expressions['definition']} as definition from ids"
    ).fetchall()
    assert len(rows) == len(samples) + 1
    differ = [(x, fast, definition) for x, fast, definition in rows if fast != definition]
    assert not differ, f"{len(differ)} ids differ from the definition, e.g. {differ[:5]}"
    ascii_rows = [(x, fast) for x, fast, _ in rows if x is not None and x.isascii()]
    assert len(ascii_rows) > 500
    wrong = [(x, fast, ascii_rule(x)) for x, fast in ascii_rows if fast != ascii_rule(x)]
    assert not wrong, f"{len(wrong)} ASCII ids differ from the rule, e.g. {wrong[:5]}"
    # both branches are exercised: ids returned as they are and ids NULLed or trimmed
    assert any(fast == x for x, fast, _ in rows) and any(fast is None for _, fast, _ in rows[:-1])
