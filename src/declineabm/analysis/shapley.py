"""Shapley values of a cooperative game: exact, sampled with antithetic permutations, interactions.

A game is a value for every coalition of players that is needed (a ``frozenset`` of names). The
attribution plays it once per replicate: the players are the causes of decline and the
context, a coalition's value is an outcome in 2022 with exactly those players switched on.

* :func:`exact` weighs every coalition (``2^n`` values); the values add up to
  ``v(all) - v(none)`` to floating point.
* :func:`sampled` averages marginal contributions over orders of the players. Each order's
  contributions add up exactly too. :func:`antithetic_orders` draws orders in pairs, an order and
  its reverse: a player early in one is late in the other, which cancels much of the variance
  of where a player happens to come.
* :func:`interactions` are the pairwise Shapley interaction indices (Grabisch and Roubens
  1999): how much more two players do together than apart, averaged over the coalitions of the
  others, with the Shapley weights.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

Coalition = frozenset[str]
Game = Mapping[Coalition, float]


def all_coalitions(players: Sequence[str]) -> list[Coalition]:
    """Every subset of ``players``, smallest first."""
    sizes = range(len(players) + 1)
    return [frozenset(c) for size in sizes for c in itertools.combinations(players, size)]


def exact(value: Game, players: Sequence[str]) -> dict[str, float]:
    """Shapley values from the values of every coalition."""
    n = len(players)
    weights = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    result = {}
    for player in players:
        terms = [
            weights[len(subset)] * (value[subset | {player}] - v)
            for subset, v in value.items()
            if player not in subset
        ]
        result[player] = math.fsum(terms)
    return result


def interactions(value: Game, players: Sequence[str]) -> dict[tuple[str, str], float]:
    """Pairwise Shapley interaction index of every pair of players.

    ``I(i, j) = sum over S without i, j of |S|! (n - |S| - 2)! / (n - 1)! x
    (v(S + ij) - v(S + i) - v(S + j) + v(S))``: positive when the two do more together than the
    sum of what each does alone (on top of the same others), negative when they substitute.
    """
    n = len(players)
    weights = [
        math.factorial(s) * math.factorial(n - s - 2) / math.factorial(n - 1) for s in range(n - 1)
    ]
    result = {}
    for i, j in itertools.combinations(players, 2):
        terms = [
            weights[len(s)] * (value[s | {i, j}] - value[s | {i}] - value[s | {j}] + v)
            for s, v in value.items()
            if i not in s and j not in s
        ]
        result[(i, j)] = math.fsum(terms)
    return result


def antithetic_orders(
    players: Sequence[str], pairs: int, rng: np.random.Generator
) -> list[tuple[str, ...]]:
    """``pairs`` random orders of the players, each followed by its reverse."""
    orders = []
    for _ in range(pairs):
        order = tuple(players[i] for i in rng.permutation(len(players)))
        orders += [order, order[::-1]]
    return orders


def coalitions_of(orders: Sequence[tuple[str, ...]]) -> set[Coalition]:
    """The coalitions whose values :func:`sampled` needs for ``orders``."""
    return {frozenset(order[:k]) for order in orders for k in range(len(order) + 1)}


def sampled(value: Game, orders: Sequence[tuple[str, ...]]) -> dict[str, float]:
    """Shapley values estimated as the mean marginal contribution over ``orders``."""
    contributions: dict[str, list[float]] = {player: [] for player in orders[0]}
    for order in orders:
        for k, player in enumerate(order):
            before = frozenset(order[:k])
            contributions[player].append(value[before | {player}] - value[before])
    return {player: math.fsum(c) / len(orders) for player, c in contributions.items()}
