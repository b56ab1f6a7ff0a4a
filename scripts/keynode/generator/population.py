"""Users and devices: who exists, on which platform and build, in which cohort, how often they visit,
and their identity state as the run goes (logged in, assigned, busy until, journey done)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keynode.generator.options import Options
from keynode.generator.params import SLOW_SHARE, SLOW_VERSION, TIER_P
from keynode.generator.util import rng_for


@dataclass
class Population:
    """Users and devices with their (mutable) identity state."""

    n_users: int
    user_tier: np.ndarray
    n_dev: int
    owner: np.ndarray  # user index or -1 (anonymous, never logs in)
    platform: np.ndarray
    version: np.ndarray
    slow: np.ndarray
    variant: np.ndarray
    rate: np.ndarray  # expected sessions per normal day once active
    first_day: np.ndarray  # day offset the device becomes active (new users), -1 if already active
    is_new: np.ndarray
    registers: np.ndarray
    kfu_day: np.ndarray  # day offset of the first key-feature use (-1 never)
    xd_partner: np.ndarray  # cross-device partner: for an app device A, its web device B
    logged_in: np.ndarray  # state: device has logged in (carries user_id)
    assigned: np.ndarray  # state: experiment assignment written
    busy_until: np.ndarray  # state: end of the device's last session (epoch ms)
    xd_used: np.ndarray  # state: cross-device journey done

    @classmethod
    def build(cls, opts: Options) -> Population:
        """Users (returning and new), their devices, and anonymous guest devices."""
        rng = rng_for(opts.seed, 2)
        U, D = opts.users, opts.days
        tier = rng.choice(3, U, p=TIER_P)
        is_new_user = rng.random(U) < 0.12
        tier[is_new_user] = 0
        ndev = np.where(is_new_user, 1, rng.choice([1, 2, 3], U, p=[0.68, 0.25, 0.07]))
        registers_user = ~is_new_user | (rng.random(U) < 0.62)
        owner_u = np.repeat(np.arange(U), ndev)
        rank_in_user = np.arange(len(owner_u)) - np.repeat(np.cumsum(ndev) - ndev, ndev)
        n_anon = int(0.9 * U)
        n_dev = len(owner_u) + n_anon
        owner = np.concatenate([owner_u, np.full(n_anon, -1)])
        user_dev = np.arange(len(owner_u))
        new_dev = np.zeros(n_dev, bool)
        new_dev[user_dev] = is_new_user[owner_u]
        platform = rng.choice(3, n_dev, p=[0.50, 0.35, 0.15])
        platform[new_dev] = 0  # new users arrive by installing the app
        # Cross-device candidates: returning users with 2+ devices, web B (logged in) + app A (not).
        multi = (~is_new_user) & (ndev >= 2)
        xd_users = np.flatnonzero(multi & (rng.random(U) < 0.45))
        first_dev = np.cumsum(ndev) - ndev
        b_dev, a_dev = first_dev[xd_users], first_dev[xd_users] + 1
        platform[b_dev] = 1
        platform[a_dev] = 0
        xd_partner = np.full(n_dev, -1)
        xd_partner[a_dev] = b_dev
        logged = np.zeros(n_dev, bool)
        primary = np.zeros(n_dev, bool)
        primary[user_dev] = rank_in_user == 0
        logged[user_dev] = (~is_new_user[owner_u]) & ((rank_in_user == 0) | (rng.random(len(owner_u)) < 0.4))
        logged[a_dev] = False
        logged[b_dev] = True
        # Unregistered new users have no account: their device behaves like an anonymous one.
        owner[user_dev[~registers_user[owner_u]]] = -1
        registers = np.zeros(n_dev, bool)
        registers[user_dev] = is_new_user[owner_u] & registers_user[owner_u]
        first_day = np.full(n_dev, -1)
        first_day[new_dev] = rng.integers(0, D, new_dev.sum())
        kfu_day = np.full(n_dev, -1)
        act = registers & (rng.random(n_dev) < 0.55)
        kfu_day[act] = first_day[act] + np.where(
            rng.random(act.sum()) < 0.5, 0, rng.geometric(0.35, act.sum())
        )
        mean_rate = np.where(owner_u >= 0, np.where(primary[user_dev], 0.26, 0.11), 0)
        rate = np.empty(n_dev)
        rate[user_dev] = mean_rate
        rate[new_dev] = 0.30
        rate[len(owner_u) :] = 0.06
        rate[a_dev] = 0.15
        rate *= rng.gamma(1.5, 1 / 1.5, n_dev)
        version = rng.choice(3, n_dev, p=[0.55, 0.30, 0.15])
        slow = rng.random(n_dev) < SLOW_SHARE
        version[slow] = SLOW_VERSION
        return cls(
            n_users=U,
            user_tier=tier,
            n_dev=n_dev,
            owner=owner,
            platform=platform,
            version=version,
            slow=slow,
            variant=(rng.random(n_dev) < 0.5).astype(np.int8),
            rate=rate,
            first_day=first_day,
            is_new=new_dev,
            registers=registers,
            kfu_day=kfu_day,
            xd_partner=xd_partner,
            logged_in=logged,
            assigned=np.zeros(n_dev, bool),
            busy_until=np.full(n_dev, np.iinfo(np.int64).min // 4),
            xd_used=np.zeros(n_dev, bool),
        )


def expected_sessions_per_day(pop: Population, opts: Options) -> float:
    """Rough expected sessions on a normal day (used to size stock and to scale ``--events``)."""
    active = np.where(pop.first_day < 0, 1.0, np.clip((opts.days - pop.first_day) / max(opts.days, 1), 0, 1))
    return float((pop.rate * active).sum())
