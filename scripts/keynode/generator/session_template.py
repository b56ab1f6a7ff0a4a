"""The session template: the kinds of session, the *slots* a session's events come from (in event
order), the event, median gap and page of each slot, and the JSON templates of event properties.

A session's events are the slots that fire for it (session_events.slot_masks); the template fixes
everything about an event that does not depend on the session.
"""

from __future__ import annotations

import numpy as np
from keynode.generator.params import APP_VERSIONS, COUPONS, TIERS, VARIANTS
from keynode.generator.util import MS_PER_MINUTE

# ---- session kinds -------------------------------------------------------------------------------
KIND_REGULAR = 0  # an ordinary visit
KIND_JOURNEY_A = 1  # cross-device journey: app device A browses anonymously to the cart
KIND_JOURNEY_B = 2  # ... web device B of the same user logs in and pays
KIND_JOURNEY_LOGIN = 3  # ... device A logs in a few hours later
KIND_RETURN = 4  # an abandoner comes back to buy (reminded or not)
KIND_PUSH = 5  # a cart-reminder push delivered (one push_received event)
KIND_PUSH_BOUNCE = 6  # the push opened, then nothing more

# ---- slot template (order = order of events within a session) ---------------------------------------
# The checkout path, one slot per funnel node from node 9 on: a session of depth d fires those up to d.
CHECKOUT_SLOTS = [
    "checkout",
    "login",
    "address",
    "shipping",
    "coupon_review",
    "order",
    "pay_view",
    "pay_submit",
    "pay_success",
]
CHECKOUT_FIRST_NODE = 9
SLOTS = (
    [
        "first_open",
        "register",
        "push_received",
        "push_opened",
        "entry",
        "login_early",
        "kfu",
        "home",
        "browse",
        "browse_repeat",
        "listing",
    ]
    + [f"{s}_{k}" for k in range(4) for s in ("pv_other", "off", "listback")]
    + ["pv_main", "review", "fav", "sku_select", "atc"]
    + [f"{s}_{j}" for j in range(2) for s in ("x_list", "x_pv", "x_sel", "x_atc")]
    + ["cart", "remove", "cart_repeat", "coupon_claim"]
    + CHECKOUT_SLOTS
)
SLOT_CODE = {name: i for i, name in enumerate(SLOTS)}
N_SLOTS = len(SLOTS)
N_OTHER_PRODUCTS, N_EXTRA_ITEMS = 4, 2

# Static event per slot (None = decided per session).
SLOT_EVENT = {
    "first_open": "first_open",
    "register": "register",
    "push_received": "push_received",
    "push_opened": "push_opened",
    "login_early": "login",
    "kfu": "key_feature_use",
    "home": "home_view",
    "browse_repeat": "search",
    "listing": "listing_view",
    "pv_main": "product_view",
    "review": "review_view",
    "sku_select": "sku_select",
    "atc": "add_to_cart",
    "cart": "cart_view",
    "remove": "remove_from_cart",
    "cart_repeat": "cart_view",
    "coupon_claim": "coupon_claimed",
    "checkout": "checkout_start",
    "address": "address_submit",
    "shipping": "shipping_select",
    "coupon_review": "coupon_review",
    "order": "order_submit",
    "pay_view": "payment_view",
    "pay_submit": "payment_submit",
    "pay_success": "payment_success",
    **{f"pv_other_{k}": "product_view" for k in range(4)},
    **{f"listback_{k}": "listing_view" for k in range(4)},
    **{f"x_list_{j}": "listing_view" for j in range(2)},
    **{f"x_pv_{j}": "product_view" for j in range(2)},
    **{f"x_sel_{j}": "sku_select" for j in range(2)},
    **{f"x_atc_{j}": "add_to_cart" for j in range(2)},
}
# Median gap (seconds) before the event of each slot; the first event of a session has gap 0.
SLOT_GAP_S = {
    "first_open": 0,
    "register": 45,
    "push_received": 0,
    "push_opened": 0,
    "entry": 3,
    "login_early": 15,
    "kfu": 30,
    "home": 6,
    "browse": 12,
    "browse_repeat": 20,
    "listing": 8,
    "pv_main": 14,
    "review": 30,
    "fav": 15,
    "sku_select": 25,
    "atc": 8,
    "cart": 10,
    "remove": 15,
    "cart_repeat": 20,
    "coupon_claim": 25,
    "checkout": 15,
    "login": 25,
    "address": 40,
    "shipping": 15,
    "coupon_review": 20,
    "order": 15,
    "pay_view": 3,
    "pay_submit": 30,
    "pay_success": 4,
    **{f"pv_other_{k}": 15 for k in range(4)},
    **{f"off_{k}": 20 for k in range(4)},
    **{f"listback_{k}": 25 for k in range(4)},
    **{f"x_list_{j}": 20 for j in range(2)},
    **{f"x_pv_{j}": 12 for j in range(2)},
    **{f"x_sel_{j}": 20 for j in range(2)},
    **{f"x_atc_{j}": 6 for j in range(2)},
}
SLOT_GAP_MEDIAN_MS = np.array([SLOT_GAP_S[s] * 1000.0 for s in SLOTS])

PAGES = [
    "launch",
    "launch/deeplink",
    "landing/home",
    "landing/product",
    "landing/campaign",
    "landing/search",
    "home",
    "search_results",
    "category",
    "listing",
    "product_detail",
    "reviews",
    "cart",
    "coupon_center",
    "checkout",
    "login",
    "checkout/address",
    "checkout/shipping",
    "checkout/offers",
    "checkout/review",
    "payment",
    "order_confirmation",
    "onboarding",
    "register",
    "wishlist",
    "size_advisor",
    "notification",
]
PAGE_CODE = {p: i for i, p in enumerate(PAGES)}
EVENT_PAGE = {
    "home_view": "home",
    "search": "search_results",
    "category_view": "category",
    "listing_view": "listing",
    "product_view": "product_detail",
    "sku_select": "product_detail",
    "add_to_cart": "product_detail",
    "add_to_favourites": "product_detail",
    "share": "product_detail",
    "review_view": "reviews",
    "cart_view": "cart",
    "remove_from_cart": "cart",
    "coupon_claimed": "coupon_center",
    "checkout_start": "checkout",
    "login": "login",
    "guest_checkout": "checkout",
    "address_submit": "checkout/address",
    "shipping_select": "checkout/shipping",
    "coupon_review": "checkout/offers",
    "order_submit": "checkout/review",
    "payment_view": "payment",
    "payment_submit": "payment",
    "payment_success": "order_confirmation",
    "first_open": "onboarding",
    "register": "register",
    "push_opened": "notification",
}
FEATURES = ["wishlist", "size_advisor"]
GAP_BETWEEN_SESSIONS_MS = 35 * MS_PER_MINUTE  # > the 30-minute session timeout

# Properties JSON templates: (prefix, middle, suffix) around up to two variable parts.
PROPERTY_TEMPLATES = {
    "empty": ("{}", "", ""),
    "entry": ('{"member_tier": "', '", "app_version": "', '"}'),
    "pv": ('{"variant": "', '", "app_version": "', '"}'),
    "order": ('{"order_id": "', "", '"}'),
    "push": ('{"campaign": "cart_reminder"}', "", ""),
    "first_open": ('{"app_version": "', "", '"}'),
    "kfu": ('{"feature": "', "", '"}'),
    "coupon": ('{"coupon_code": "', "", '"}'),
    "login": ('{"method": "password"}', "", ""),
    "register": ('{"method": "phone"}', "", ""),
    "share": ('{"share_channel": "link"}', "", ""),
}
PROPERTY_KIND_CODE = {k: i for i, k in enumerate(PROPERTY_TEMPLATES)}
EVENT_PROPERTY_KIND = {
    "landing_view": "entry",
    "app_open": "entry",
    "product_view": "pv",
    "order_submit": "order",
    "payment_view": "order",
    "payment_submit": "order",
    "payment_success": "order",
    "push_received": "push",
    "push_opened": "push",
    "first_open": "first_open",
    "key_feature_use": "kfu",
    "coupon_claimed": "coupon",
    "login": "login",
    "register": "register",
    "share": "share",
}
# The variable parts, as codes into one label list; each group of labels starts at its ``*_VALUES_AT``.
PROPERTY_VALUES = [""] + TIERS + VARIANTS + APP_VERSIONS + FEATURES + COUPONS
TIER_VALUES_AT, VARIANT_VALUES_AT = 1, 1 + len(TIERS)
VERSION_VALUES_AT = VARIANT_VALUES_AT + len(VARIANTS)
FEATURE_VALUES_AT = VERSION_VALUES_AT + len(APP_VERSIONS)
COUPON_VALUES_AT = FEATURE_VALUES_AT + len(FEATURES)
