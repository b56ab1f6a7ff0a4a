"""The dashboard's words in Chinese and English (labels.yml). ``text(lang, key)`` returns the label; every
key exists in both languages (a test checks it)."""

from __future__ import annotations

from pathlib import Path

import yaml

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

# label key -> {"zh": ..., "en": ...}, in labels.yml beside this module (data, not code)
LABELS: dict[str, dict[str, str]] = yaml.safe_load(Path(__file__).with_name("labels.yml").read_text("utf-8"))


def text(lang: str, key: str) -> str:
    """The label ``key`` in ``lang`` (zh or en)."""
    return LABELS[key][lang]
