"""The row accounting a loader expects staging to reproduce (``expected`` in ``_manifest.json``,
docs/raw_zone.md): per entity, raw = valid + duplicates + quarantined (by reason)."""

from __future__ import annotations

import pandas as pd


def expected_counts(
    raw_rows: int, valid_rows: int, duplicate_rows: int = 0, quarantined: dict | None = None
) -> dict:
    """One entity's expected accounting in ``_manifest.json``: raw = valid + duplicates + quarantined."""
    return {
        "raw_rows": raw_rows,
        "valid_rows": valid_rows,
        "duplicate_rows": duplicate_rows,
        "quarantined": dict(quarantined or {}),
    }


def first_failed_check(index: pd.Index, checks: list[tuple[str, pd.Series]]) -> pd.Series:
    """Per row, the reason code of the first (code, failing-rows mask) check it fails, else None: the
    contract's rules in priority order, as the base models apply them (keynode_first_failed_check)."""
    reason = pd.Series(None, index=index, dtype=object)
    for code, mask in checks:
        reason = reason.mask(reason.isna() & mask.fillna(False).astype(bool), code)
    return reason
