"""Pseudonymised identifiers: personal identifiers leave keynode only as a keyed hash.

A published identifier is ``hex(HMAC-SHA256(key, value))`` of its text. The same raw id gets the same
pseudonym in every mart and every publication made with the same key (joins and distinct counts still
work); without the key nobody can recompute it from a guessed id, which a plain hash would allow.

The key comes from ``KEYNODE_PSEUDONYM_KEY`` (at least 16 characters). A production run
(``KEYNODE_ENV=production`` or a ``prod``/``production`` dbt target in ``KEYNODE_TARGET``) without it stops
with :class:`PseudonymKeyMissing` before anything is built. Everywhere else the documented development
key :data:`DEVELOPMENT_KEY` is used, and every publication says so (``pseudonym_key = 'development'``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

KEY_ENV = "KEYNODE_PSEUDONYM_KEY"
#: Not a secret: the key of local and CI publications, so their pseudonyms are reproducible.
DEVELOPMENT_KEY = "keynode-development-pseudonym-key (not secret; never use in production)"
MIN_KEY_LENGTH = 16
PRODUCTION_ENVS = {"prod", "production"}


class PseudonymKeyMissing(RuntimeError):
    """A production publication without a pseudonymisation key in the environment."""


@dataclass(frozen=True)
class PseudonymKey:
    secret: bytes
    source: str  # "environment" or "development"

    @property
    def key_id(self) -> str:
        """Names the key without revealing it: 'development', or 'env:' + a short keyed fingerprint."""
        if self.source == "development":
            return "development"
        return "env:" + hmac.new(self.secret, b"keynode key id", hashlib.sha256).hexdigest()[:12]

    def pseudonym(self, value: str | None) -> str | None:
        if value is None:
            return None
        return hmac.new(self.secret, str(value).encode("utf-8"), hashlib.sha256).hexdigest()

    def pseudonyms(self, values: list[str | None]) -> list[str | None]:
        """The same for many values (the keyed state is computed once and copied per value)."""
        base = hmac.new(self.secret, digestmod=hashlib.sha256)
        out: list[str | None] = []
        for value in values:
            if value is None:
                out.append(None)
                continue
            mac = base.copy()
            mac.update(str(value).encode("utf-8"))
            out.append(mac.hexdigest())
        return out


def is_production(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return (
        env.get("KEYNODE_ENV", "").strip().lower() in PRODUCTION_ENVS
        or env.get("KEYNODE_TARGET", "").strip().lower() in PRODUCTION_ENVS
    )


def resolve_key(environ: dict[str, str] | None = None) -> PseudonymKey:
    """The key for this process; raises PseudonymKeyMissing for production without a key."""
    env = os.environ if environ is None else environ
    secret = env.get(KEY_ENV, "")
    if secret:
        if len(secret) < MIN_KEY_LENGTH:
            raise PseudonymKeyMissing(f"{KEY_ENV} is shorter than {MIN_KEY_LENGTH} characters")
        return PseudonymKey(secret.encode("utf-8"), "environment")
    if is_production(env):
        raise PseudonymKeyMissing(
            f"{KEY_ENV} is not set: a production run (KEYNODE_ENV / KEYNODE_TARGET = production) "
            "publishes personal identifiers only as HMACs keyed from the environment; nothing was built "
            "or published. Set the secret key (at least 16 characters) and run again."
        )
    return PseudonymKey(DEVELOPMENT_KEY.encode("utf-8"), "development")


def json_pseudonymiser(key: PseudonymKey, fields: Sequence[str]) -> Callable[[str | None], str | None]:
    """For a JSON-object column (fct_quarantined_rows.raw_record): replaces the listed fields' values by
    their pseudonyms, at any depth and inside string values that are JSON objects themselves (an event's
    ``properties`` text holds an ``order_id``), and keeps everything else. Text that is not a JSON object
    is pseudonymised whole (it cannot be inspected, so it may hold an identifier)."""
    wanted = set(fields)

    def scrub(value):
        if isinstance(value, dict):
            return {
                k: key.pseudonym(str(v)) if k in wanted and v is not None and not isinstance(v, dict | list)
                else scrub(v)
                for k, v in value.items()
            }  # fmt: skip
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            try:
                nested = json.loads(value)
            except ValueError:
                return value
            return json.dumps(scrub(nested), ensure_ascii=False)
        return value

    def apply(text: str | None) -> str | None:
        if text is None:
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return key.pseudonym(text)
        if not isinstance(record, dict):
            return key.pseudonym(text)
        return json.dumps(scrub(record), separators=(",", ":"), ensure_ascii=False)

    return apply


def register(con, key: PseudonymKey, json_fields: dict[str, Sequence[str]]) -> dict[str, str]:
    """Registers the SQL functions on a DuckDB connection: ``keynode_pseudonym(varchar)`` and one
    ``keynode_pseudonym_json_<n>(varchar)`` per distinct field list. Returns field list -> function name."""
    import pyarrow as pa
    from duckdb.sqltypes import VARCHAR

    def vectorised(function: Callable[[list], list]) -> Callable[[pa.Array], pa.Array]:
        return lambda values: pa.array(function(values.to_pylist()), type=pa.string())

    def each(function: Callable[[str | None], str | None]) -> Callable[[list], list]:
        return lambda values: [function(v) for v in values]

    def udf(name: str, function: Callable[[list], list]) -> None:
        con.create_function(name, vectorised(function), [VARCHAR], VARCHAR, type="arrow", side_effects=False)

    udf("keynode_pseudonym", key.pseudonyms)
    names: dict[str, str] = {}
    for n, (label, fields) in enumerate(sorted(json_fields.items())):
        name = f"keynode_pseudonym_json_{n}"
        udf(name, each(json_pseudonymiser(key, fields)))
        names[label] = name
    return names
