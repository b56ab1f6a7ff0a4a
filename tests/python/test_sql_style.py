"""SQL source lines stay within 110 characters everywhere, including what sqlfluff does not lint:
macros, Jinja comments, and lines whose rendered SQL sqlfluff is told to skip (noqa)."""

from __future__ import annotations

from keynode.paths import PROJECT_DIR

MAX_LINE = 110
FOLDERS = ("models", "macros", "tests", "analyses", "scripts/keynode/bench/sql")


def test_sql_lines_fit_in_110_characters():
    long_lines = []
    files = [p for folder in FOLDERS for p in (PROJECT_DIR / folder).rglob("*.sql")]
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if len(line) > MAX_LINE:
                long_lines.append(f"{path.relative_to(PROJECT_DIR)}:{number} ({len(line)})")
    assert len(files) > 80
    assert long_lines == []
