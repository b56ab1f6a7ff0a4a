"""The 17-node purchase path: how far down it each session walks (``walk_depth``) and the stock cap
that stops sessions from carting what is already sold out (``stock_cap``)."""

from __future__ import annotations

import numpy as np
from keynode.generator.plan import Plan
from keynode.generator.session_template import N_EXTRA_ITEMS

# Conditional probability of reaching node k given node k-1 (k = 2..17), before modifiers.
STEP_P = {
    2: 0.80,
    3: 0.86,
    4: 0.86,
    5: 0.72,
    6: 0.60,
    7: 0.50,
    8: 0.80,
    9: 0.58,
    10: 0.90,
    11: 0.88,
    12: 0.93,
    13: 0.95,
    14: 0.90,
    15: 0.95,
    16: 0.88,
    17: 0.92,
}
SLOW_ATC_FACTOR = 0.55
TREATMENT_ATC_LIFT = 0.10


def walk_depth(
    rng,
    n: int,
    *,
    slow,
    treat,
    paid,
    main_oos,
    promo: bool,
    step_factor: np.ndarray | None = None,
    forced_min: np.ndarray | None = None,
    add_to_cart_p: np.ndarray | None = None,
) -> np.ndarray:
    """Node reached by each session (1..17): a Bernoulli draw per step, loop over the 16 steps.

    Modifiers: paid landings bounce more (step 2); slow-page devices and the experiment variant scale
    step 7 (add to cart) multiplicatively, from ``add_to_cart_p`` where given (high-intent visitors); an
    out-of-stock main SKU blocks step 7; promotion days lift checkout start; the ``conversion_drop``
    faults scale step k by ``step_factor[k]``. ``forced_min`` walks sessions to at least that node.
    """
    depth = np.ones(n, np.int8)
    alive = np.ones(n, bool)
    draws = rng.random((n, 16))
    for step in range(2, 18):
        step_p = np.full(n, STEP_P[step])
        if step == 2:
            step_p[paid] = 0.72
        elif step == 7:
            if add_to_cart_p is not None:
                step_p = add_to_cart_p
            step_p = (
                step_p * np.where(slow, SLOW_ATC_FACTOR, 1.0) * np.where(treat, 1 + TREATMENT_ATC_LIFT, 1.0)
            )
            step_p[main_oos] = 0.0
        elif step == 9 and promo:
            step_p = step_p * 1.08
        if step_factor is not None and step_factor[step] != 1.0:
            step_p = step_p * step_factor[step]
        passes = draws[:, step - 2] < step_p
        if forced_min is not None:
            passes |= (forced_min >= step) & ~(main_oos & (step == 7))
        alive &= passes
        depth += alive
    return depth


# --------------------------------------------------------------------------------------------------
# Stock cap
# --------------------------------------------------------------------------------------------------
def stock_cap(plan: Plan, avail: np.ndarray) -> np.ndarray:
    """Stop sessions from carting what is already sold out; returns units sold per SKU.

    Items of sessions that reach add-to-cart are ordered per SKU by session start; paid units
    accumulate, and once they would exceed what was available at the start of the day every later
    item of that SKU is out of stock: a main item caps its session at node 6 (views still happen), an
    extra item is simply not added. Sales therefore never exceed stock. Mutates ``plan``.
    """
    n = len(plan)
    cols = plan.columns
    carting = cols["depth"] >= 7
    sess = [np.flatnonzero(carting)]
    skus = [cols["main"][sess[0]]]
    qty = [cols["qty"][sess[0]].astype(np.int64)]
    slot = [np.zeros(len(sess[0]), np.int64)]
    for j in range(N_EXTRA_ITEMS):
        with_item = np.flatnonzero(carting & (cols["n_extra"] > j) & cols["extra_ok"][:, j])
        sess.append(with_item)
        skus.append(cols["extra"][with_item, j])
        qty.append(
            np.where(cols["remove"][with_item] == j, 0, cols["extra_qty"][with_item, j]).astype(np.int64)
        )
        slot.append(np.full(len(with_item), j + 1))
    sess, skus, qty, slot = (np.concatenate(a) for a in (sess, skus, qty, slot))
    paid = cols["depth"][sess] >= 17
    bought = np.where(paid, qty, 0)
    order = np.lexsort((slot, sess, cols["start"][sess], skus))
    sk, bo = skus[order], bought[order]
    cum = np.cumsum(bo)
    first = np.r_[True, sk[1:] != sk[:-1]]
    base = np.maximum.accumulate(np.where(first, cum - bo, 0))
    incl = cum - base
    av = avail[sk]
    oos_sorted = (incl > av) | (incl - bo >= av)
    # The paid item that crosses the limit takes whatever is left (a smaller quantity).
    partial = (bo > 0) & (incl > av) & (incl - bo < av)
    oos_sorted &= ~partial
    oos = np.empty_like(oos_sorted)
    oos[order] = oos_sorted
    part = np.zeros(len(order), bool)
    part[order] = partial
    left = np.empty(len(order), np.int64)
    left[order] = av - (incl - bo)
    if part.any():
        ps, pj = sess[part], slot[part]
        m0 = pj == 0
        cols["qty"][ps[m0]] = left[part][m0]
        for j in range(N_EXTRA_ITEMS):
            mj = pj == j + 1
            cols["extra_qty"][ps[mj], j] = left[part][mj]
        bought = bought.copy()
        bought[part] = left[part]
    main_oos = np.zeros(n, bool)
    main_oos[sess[(slot == 0) & oos]] = True
    cols["depth"][main_oos] = np.minimum(cols["depth"][main_oos], 6)
    cols["n_extra"][main_oos] = 0
    cols["remove"][main_oos] = -1
    for j in range(N_EXTRA_ITEMS):
        s = sess[(slot == j + 1) & oos]
        cols["extra_ok"][s, j] = False
        cols["remove"][s[cols["remove"][s] == j]] = -1
    sold = np.zeros(len(avail), np.int64)
    ok = ~oos & ~main_oos[sess]
    np.add.at(sold, skus[ok], bought[ok])
    return sold
