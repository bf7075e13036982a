"""Cause 2 (abstract): over-dependence on raw materials, and their depletion.

The region grew as "a typical resource-dependent development model" (§1). Mines draw down the
deposits in their cell; as a deposit empties, each miner extracts less and extraction costs more.
Manufacturers depend on raw materials: when the region's own reserves are gone they must buy
them from far away, at a premium.

Switched off, deposits never deplete.
"""

from __future__ import annotations

import numpy as np

from declineabm.model.mechanisms.base import Mechanism
from declineabm.scenario import Sector


class ResourceDepletion(Mechanism):
    """Deposits, their depletion and what it does to costs (see the module docstring)."""

    section = "resources"

    def scale_reserves(self, mining_workers: int) -> None:
        """Size the deposits to ``deposit_years`` of extraction by the initial miners."""
        geo = self.model.geography
        deposits = geo.layer("deposits")
        total = deposits.sum()
        yearly = mining_workers * self.params.extraction_per_worker
        reserves = self.model.scenario.geography.deposit_years * max(yearly, 1.0)
        if total > 0:
            deposits *= reserves / total
        geo.layer("deposits_initial")[:] = deposits

    def _depletion(self, cells: np.ndarray) -> np.ndarray:
        geo = self.model.geography
        initial = geo.layer("deposits_initial")[cells]
        remaining = geo.layer("deposits")[cells]
        return np.where(initial > 0, 1.0 - remaining / np.where(initial > 0, initial, 1.0), 1.0)

    def remaining_share(self) -> float:
        """Reserves left in the region as a share of the initial reserves."""
        geo = self.model.geography
        initial = geo.layer("deposits_initial").sum()
        return float(geo.layer("deposits").sum() / initial) if initial > 0 else 0.0

    def yield_factor(self) -> np.ndarray:
        """Output factor of each firm: miners extract less from an emptying deposit."""
        firms = self.model.firms
        mining = firms.sector == Sector.RESOURCE
        depletion = self._depletion(firms.cell[mining])
        factor = np.ones(len(firms))
        factor[mining] = (1.0 - depletion) ** self.params.yield_exponent
        return factor

    def purchase_cost_index(self) -> float:
        """Cost of bought raw materials relative to the start: imports replace local supply."""
        return 1.0 + self.params.import_premium * (1.0 - self.remaining_share())

    def material_cost_index(self) -> np.ndarray:
        """Raw-material (for mines: extraction) cost of each firm relative to the start."""
        firms = self.model.firms
        index = np.full(len(firms), self.purchase_cost_index())
        mining = firms.sector == Sector.RESOURCE
        index[mining] = 1.0 + self.params.depletion_cost * self._depletion(firms.cell[mining])
        return index

    def extract(self, workforce: np.ndarray) -> np.ndarray:
        """Draw down the deposits under each mine; returns what each firm extracted."""
        firms = self.model.firms
        mining = (firms.sector == Sector.RESOURCE) & (workforce > 0)
        wanted = np.where(mining, workforce * self.params.extraction_per_worker, 0.0)
        geo = self.model.geography
        deposits = geo.layer("deposits")
        demand = np.bincount(firms.cell, wanted, minlength=geo.size)
        # Mines sharing a cell share what is left in proportion to what they want.
        available = np.minimum(deposits, demand)
        share = np.divide(available, demand, out=np.zeros_like(demand), where=demand > 0)
        extracted = wanted * share[firms.cell]
        if self.enabled:
            deposits -= available
        return extracted
