"""Columns of the ``events`` table that are built from codes: properties JSON and page-load times."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from keynode.generator.session_template import PROPERTY_TEMPLATES, PROPERTY_VALUES
from keynode.generator.util import categorical, fixed_ids


def build_properties(
    kind: np.ndarray, var1: np.ndarray, var2: np.ndarray, order_mask: np.ndarray, order_num: np.ndarray
) -> pa.Array:
    """JSON text per event from templates (``PROPERTY_TEMPLATES``) and small label codes; order events get
    their order id spliced in."""
    kinds = list(PROPERTY_TEMPLATES.values())
    pre = categorical(kind, [k[0] for k in kinds])
    mid = categorical(kind, [k[1] for k in kinds])
    suf = categorical(kind, [k[2] for k in kinds])
    v1 = categorical(var1, PROPERTY_VALUES)
    v2 = categorical(var2, PROPERTY_VALUES)
    props = pc.binary_join_element_wise(pre, v1, mid, v2, suf, "")
    if order_mask.any():
        oid = fixed_ids('{"order_id": "O', order_num, 10)
        oprops = pc.binary_join_element_wise(oid, pa.array(['"}'] * len(order_num), pa.string()), "")
        props = pc.replace_with_mask(props, pa.array(order_mask), oprops)
    return props


def page_load(
    rng, ev: np.ndarray, page_view: np.ndarray, is_pv: np.ndarray, plat: np.ndarray, slow: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Page-load ms for page/screen views: lognormal by platform; the slow cohort's product pages
    always take > 3000 ms, every other page view stays below 3000 ms."""
    base = np.array([450.0, 1100.0, 800.0])[plat] * np.exp(rng.normal(0, 0.45, len(ev)))
    base = np.where(slow, base * 1.5, base)
    ms = np.clip(base, 60, 2950)
    slow_pv = slow & is_pv
    ms = np.where(slow_pv, 3000 + np.clip(1400 * np.exp(rng.normal(0, 0.5, len(ev))), 1, 12000), ms)
    return ms.astype(np.int32), page_view[ev]
