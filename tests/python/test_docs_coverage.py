"""Every model, seed and source is described, and so is every column that really exists.

Compares dbt's manifest (what the YAML documents) with dbt's catalog (the columns the built relations
really have in DuckDB), so an undocumented new column or a documented column that no longer exists
both fail.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import failures
from keynode.dbt import PROJECT_DIR, run_dbt

# Columns that mean the same everywhere are described once, in this file, and reused with doc().
SHARED_COLUMN_DOCS = PROJECT_DIR / "models" / "_columns__docs.md"


@pytest.fixture(scope="module")
def docs(fixture_wh):
    assert failures(fixture_wh.build_result) == []
    run_dbt(fixture_wh.wh, ["docs", "generate"])
    target = fixture_wh.wh.target_path
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


def keynode_nodes(manifest, kinds=("model", "seed")):
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] in kinds and node["package_name"] == "keynode":
            yield uid, node


def test_every_model_and_seed_is_described(docs):
    manifest, _ = docs
    missing = [uid for uid, n in keynode_nodes(manifest) if not n["description"].strip()]
    assert missing == []


def test_documented_columns_equal_real_columns(docs):
    manifest, catalog = docs
    problems = []
    for uid, node in keynode_nodes(manifest):
        real = {c.lower() for c in catalog["nodes"].get(uid, {}).get("columns", {})}
        if not real:
            problems.append(f"{uid}: not in the catalog (not built?)")
            continue
        documented = {c.lower() for c in node["columns"]}
        if real - documented:
            problems.append(f"{uid}: undocumented columns {sorted(real - documented)}")
        if documented - real:
            problems.append(f"{uid}: documented columns that do not exist {sorted(documented - real)}")
        blank = [c for c, meta in node["columns"].items() if not meta["description"].strip()]
        if blank:
            problems.append(f"{uid}: columns without a description {blank}")
    assert problems == []


def test_every_source_table_and_column_is_described(docs):
    manifest, _ = docs
    problems = []
    for uid, src in manifest["sources"].items():
        if not src["description"].strip():
            problems.append(f"{uid}: no description")
        if not src["columns"]:
            problems.append(f"{uid}: no columns documented")
        problems += [f"{uid}.{c}" for c, m in src["columns"].items() if not m["description"].strip()]
        if not src.get("loaded_at_field") or not src.get("freshness", {}).get("error_after", {}).get("count"):
            problems.append(f"{uid}: no loaded_at_field/freshness")
    assert problems == []


def test_every_model_has_a_key_test(docs):
    """Each model's grain is tested: unique (+ not_null) on a column or a unique combination."""
    manifest, _ = docs
    tested = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = (node.get("test_metadata") or {}).get("name")
        if name in ("unique", "keynode_unique_combination"):
            tested.update(node["depends_on"]["nodes"])
    untested = [uid for uid, n in keynode_nodes(manifest, kinds=("model",)) if uid not in tested]
    assert untested == []


def test_shared_columns_reuse_their_doc_block(docs):
    """A column named like a block of models/_columns__docs.md (funnel_key, user_key, sku_id, ...) shows
    that block's text in every model, seed and source that has it (a model may add context after it)."""
    manifest, _ = docs
    names = re.findall(r"{% docs (\w+) %}", SHARED_COLUMN_DOCS.read_text(encoding="utf-8"))
    assert len(names) >= 15
    shared = {n: manifest["docs"][f"doc.keynode.{n}"]["block_contents"].strip() for n in names}
    owners = list(keynode_nodes(manifest)) + [
        (uid, src) for uid, src in manifest["sources"].items() if src["package_name"] == "keynode"
    ]
    problems, uses = [], 0
    for uid, node in owners:
        for column, meta in node["columns"].items():
            if column in shared:
                uses += 1
                if not meta["description"].strip().startswith(shared[column]):
                    problems.append(f"{uid}.{column}: {meta['description'][:80]!r}")
    assert problems == []
    assert uses > 100


MACRO_SIGNATURE = re.compile(r"{%-?\s*(macro|test)\s+(\w+)\s*\((.*?)\)\s*-?%}", re.S)


def macro_signature(macro: dict) -> list[str]:
    """Argument names of a macro (or generic test) as written in its SQL file."""
    for kind, name, args in MACRO_SIGNATURE.findall(macro["macro_sql"]):
        if (f"test_{name}" if kind == "test" else name) == macro["name"]:
            return [a.split("=")[0].strip() for a in args.split(",") if a.strip()]
    raise AssertionError(f"no signature found for {macro['name']}")


def test_every_macro_and_argument_is_documented(docs):
    """Each macro folder has its YAML beside the macros; every macro is described there, with every
    argument of its signature in order. An adapter implementation (duckdb__x, spark__x, default__x of a
    dispatched macro x) needs a description; its arguments are documented once, on x."""
    manifest, _ = docs
    macros = {m["name"]: m for m in manifest["macros"].values() if m["package_name"] == "keynode"}
    problems = []
    for name, macro in sorted(macros.items()):
        if not macro["description"].strip():
            problems.append(f"{name}: no description")
            continue
        folder = macro["original_file_path"].rsplit("/", 1)[0]
        if not (macro.get("patch_path") or "").split("://")[-1].startswith(folder + "/"):
            problems.append(f"{name}: documented outside its folder {folder}")
        if name.split("__", 1)[-1] in macros and "__" in name:
            continue
        documented = [a["name"] for a in macro["arguments"]]
        if documented != macro_signature(macro):
            problems.append(f"{name}: documents {documented}, signature {macro_signature(macro)}")
        blank = [a["name"] for a in macro["arguments"] if not a["description"].strip()]
        problems += [f"{name}({arg}): no description" for arg in blank]
    assert problems == []
    assert len(macros) > 50


def marts(manifest):
    for uid, node in keynode_nodes(manifest, kinds=("model",)):
        in_marts = node["original_file_path"].startswith("models/marts/")
        if in_marts and node["name"].startswith(("fct_", "dim_")):
            yield uid, node


def test_every_mart_is_a_public_contract_of_its_area_group(docs):
    """fct_/dim_ marts: contract enforced with a data_type on every column, access public, and the group
    of their folder (models/marts/<area>), which names an owner with an email, repeated in meta.owner."""
    manifest, _ = docs
    groups = {g["name"]: g for g in manifest["groups"].values() if g["package_name"] == "keynode"}
    problems, found = [], 0
    for uid, node in marts(manifest):
        found += 1
        area = node["original_file_path"].split("/")[2]
        if not node["contract"]["enforced"]:
            problems.append(f"{uid}: contract not enforced")
        untyped = [c for c, meta in node["columns"].items() if not meta.get("data_type")]
        if untyped:
            problems.append(f"{uid}: columns without data_type {untyped}")
        if node["access"] != "public":
            problems.append(f"{uid}: access {node['access']}")
        if node["group"] != area:
            problems.append(f"{uid}: group {node['group']}, folder {area}")
    for name, group in groups.items():
        if not group["owner"].get("name") or "@" not in (group["owner"].get("email") or ""):
            problems.append(f"group {name}: owner needs a name and an email")
        if (group.get("config") or {}).get("meta", {}).get("owner") != group["owner"].get("email"):
            problems.append(f"group {name}: meta.owner is not the owner's email")
    assert problems == []
    assert found >= 21
    assert set(groups) == {"funnels", "behaviour", "sku", "anomalies", "quality"}
