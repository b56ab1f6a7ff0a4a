"""Designed parameters of the simulation: the numbers the generator is built around and its manifest
records (shares, rates, label lists, the traffic profile, campaigns, coupons, warehouses)."""

from __future__ import annotations

import numpy as np

VERSION = 1
DEFAULT_USERS = 40_000
EVENTS_PER_USER_DAY = 2.15  # calibrated: events per user per unit of day multiplier
SESSIONS_PER_CHUNK = 200_000
JOURNEY_RATE = 0.0012  # cross-device journeys per expected session
RETRY_SHARE = 0.002
LATE_1_2_DAYS_SHARE = 0.001
LATE_DAY_SHARE = 0.11
OUTAGE_SHARE = 0.05
CANCEL_SHARE, REFUND_SHARE, PENDING_EXPIRE_SHARE = 0.03, 0.02, 0.6
REMIND_SHARE, OPEN_SHARE = 0.5, 0.35
RETURN_IF_OPENED, RETURN_IF_NOT_OPENED, RETURN_UNREMINDED = 0.55, 0.06, 0.07
PRODUCT_EVENTS = [
    "product_view",
    "sku_select",
    "add_to_cart",
    "remove_from_cart",
    "add_to_favourites",
    "share",
    "review_view",
]
VIRAL_ATC_P = 0.85  # add-to-cart rate of sku_surge visitors before slow-page / variant effects

# ---- the world: platforms, cohorts, catalogue, traffic profile ------------------------------------
PLATFORMS = ["app", "web", "mini_program"]
TIERS = ["none", "silver", "gold", "guest"]
TIER_P = [0.60, 0.28, 0.12]
VARIANTS = ["control", "treatment"]
APP_VERSIONS = ["7.4.0", "7.3.2", "7.2.0", "6.8.1"]
SLOW_VERSION = 3  # index of the slow-page build in APP_VERSIONS
SLOW_SHARE = 0.15
WAREHOUSES = ["WH-N", "WH-S", "WH-E"]
REGION_P = np.array([0.45, 0.35, 0.20])
CATEGORIES = ["apparel", "footwear", "beauty", "home", "electronics", "sports", "toys", "grocery"]
CATEGORY_PRICE = np.array([35.0, 70.0, 22.0, 40.0, 160.0, 45.0, 25.0, 8.0])
CATEGORY_NOUN = ["Tee", "Sneaker", "Serum", "Lamp", "Earbuds", "Yoga Mat", "Puzzle", "Coffee"]
WEEKDAY_MULT = [1.0, 0.97, 0.98, 1.0, 1.06, 1.22, 1.28]  # Monday..Sunday: weekends are busier
HOUR_WEIGHTS = np.array(
    [
        1.6,
        1.1,
        0.8,
        0.7,
        0.8,
        1.2,
        2.0,
        3.0,
        4.0,
        4.6,
        5.0,
        5.5,
        6.0,
        6.0,
        5.6,
        5.5,
        5.6,
        6.1,
        7.0,
        8.0,
        8.6,
        7.6,
        5.2,
        3.0,
    ]
)
ZIPF_S = 1.07
# sku_surge demand multiplier by day since the surge started: buzz builds over five days (so the
# 7-day growth rule can be met a day or two before the campaign stock runs out), peaks on day 5,
# then fades to 2x.
SURGE_RAMP = [1.5, 2.5, 4, 6, 8, 9, 8, 6, 5, 4, 3, 2]
SURGE_STOCK_WEEKS = 5.0  # campaign stock at the surge start, in weeks of the previous week's sales

# Marketing campaigns: (channel, campaign_id, utm_medium, utm sources, CTR range, CPC)
CAMPAIGNS = [
    ("paid_search", "ps_generic_q4", "cpc", ["google", "bing"], (0.015, 0.030), 0.55),
    ("paid_search", "ps_shopping_q4", "cpc", ["google"], (0.012, 0.025), 0.48),
    ("paid_social", "soc_prospecting", "paid_social", ["meta", "tiktok"], (0.006, 0.014), 0.40),
    ("paid_social", "soc_retargeting", "paid_social", ["meta"], (0.010, 0.020), 0.45),
    ("display", "dsp_retargeting", "display", ["criteo", "gdn"], (0.003, 0.006), 0.22),
    ("affiliate", "aff_network", "affiliate", ["awin", "rakuten"], (0.005, 0.012), 0.30),
    ("email", "em_newsletter", "email", ["newsletter"], (0.010, 0.030), 0.02),
]
# Session acquisition mix for ordinary sessions: (utm_source, utm_medium, share). Paid and email
# sessions take their source and campaign from the marketing row they clicked.
ORGANIC_UTM = [
    ("direct", "none", 0.31),
    ("google", "organic", 0.17),
    ("bing", "organic", 0.02),
    ("partner_blog", "referral", 0.03),
    ("instagram", "social", 0.04),
]
PAID_MEDIUM_SHARE = {"cpc": 0.13, "paid_social": 0.10, "display": 0.04, "affiliate": 0.03, "email": 0.06}

COUPONS = ["SAVE10", "FREESHIP5", "WELCOME15", "PROMO20"]
COUPON_PCT = np.array([0.10, 0.05, 0.15, 0.20])
