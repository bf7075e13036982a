"""The local government: it collects taxes, pays pensions, builds, and hands out support."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mesa import Agent

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def added_in_order(values: Iterable[float]) -> float:
    """The sum of ``values`` added left to right, the same on every Python.

    Python 3.12's ``sum()`` compensates the rounding of float additions, so a budget summed with
    it differs in the last bits from Python 3.11's, and so would every output downstream.
    """
    total = 0.0
    for value in values:
        total += value
    return total


class Government(Agent):
    """The region's government, as one Mesa agent with its budget lines of the year.

    Summary of rule: each year (``public_finance.settle_budget``) it books the taxes on wages
    and profits, pays pensions, benefits and laid-off workers' allowances, receives what the
    centre transfers (the social insurance deficit, revitalization funds) and spends the rest
    of its budget on infrastructure and public services. Its own balance (``balance``: own
    revenue minus spending) is what the centre covers, so it runs no debt.

    Args:
        model: The model the government belongs to.
    """

    OWN_REVENUE = ("wage_taxes", "profit_taxes")
    TRANSFERS = ("central_transfers", "revitalization_funds")
    SPENDING = (
        "pensions",
        "benefits",
        "allowances",
        "infrastructure",
        "public_services",
        "subsidies",
        "waste",
    )

    def __init__(self, model: UrbanDeclineModel) -> None:
        super().__init__(model)
        self.accounts: dict[str, float] = dict.fromkeys(self._lines(), 0.0)
        self.environmental_standard = 0.0

    def _lines(self) -> tuple[str, ...]:
        return self.OWN_REVENUE + self.TRANSFERS + self.SPENDING

    @property
    def own_revenue(self) -> float:
        """This year's taxes (thousand yuan, in agent units)."""
        return added_in_order(self.accounts[k] for k in self.OWN_REVENUE)

    @property
    def transfers(self) -> float:
        """This year's transfers from the centre."""
        return added_in_order(self.accounts[k] for k in self.TRANSFERS)

    @property
    def spending(self) -> float:
        """This year's spending."""
        return added_in_order(self.accounts[k] for k in self.SPENDING)

    @property
    def balance(self) -> float:
        """Own revenue minus spending: negative by what the centre transfers."""
        return self.own_revenue - self.spending

    def open_year(self) -> None:
        """Start a fiscal year with empty accounts."""
        self.accounts = dict.fromkeys(self._lines(), 0.0)

    def book(self, item: str, amount: float) -> None:
        """Record revenue or spending under one of the budget lines."""
        if item not in self.accounts:
            raise KeyError(f"unknown budget line {item!r}")
        self.accounts[item] += float(amount)
