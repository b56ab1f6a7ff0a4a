"""Designed parameters of the simulation that the generator and its manifest share."""

from __future__ import annotations

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
