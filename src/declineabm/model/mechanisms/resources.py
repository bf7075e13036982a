"""Cause 2 (abstract): over-dependence on raw materials, and their depletion.

The region grew as "a typical resource-dependent development model" (§1). Each resource town
sits on one deposit field (a coal field, an oil field): one pool of reserves, sized in
``geography.cities.<town>.deposit_years`` years of extraction by the town's first mines, that
every mine in the field draws down;
as a field empties, each miner extracts less and extraction costs more, little at first and
steeply once most of the field is gone (the best seams are worked first). Manufacturers depend on
raw materials: when the region's own reserves are gone they must buy them from far away, at a
premium.

Switched off, deposits never deplete.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.parameters import Section
from declineabm.model.sectors import Sector


class ResourcesSection(Section):
    """Cause 2: over-dependence on raw materials and their depletion."""

    enabled: bool = Field(description="Switch the cause on or off.")
    extraction_per_worker: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        description="Reserve units extracted per resource worker per year."
    )
    depletion_cost: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        description="Rise of extraction cost (share of output) as a deposit is exhausted."
    )
    depletion_exponent: Annotated[float, Field(gt=0.0, le=10.0)] = Field(
        description="How late depletion bites: output per miner falls, and extraction cost "
        "rises, with the depleted share of the field to this power."
    )
    import_premium: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        description="Rise of raw-material cost when the region's own reserves are gone."
    )


class ResourceDepletion(Mechanism[ResourcesSection]):
    """Deposit fields, their depletion and what it does to costs (see the module docstring)."""

    section = "resources"
    switched_off = "Switched off, deposits never deplete."

    def _fields(self) -> tuple[np.ndarray, int]:
        """Field of every cell, and the number of field ids.

        A field's id is its resource town's (-1: no field), so there are as many ids as cities.
        """
        return self.model.geography.layer("deposit_field"), self.model.geography.cities

    def _field_totals(self, layer: str) -> np.ndarray:
        field, count = self._fields()
        inside = field >= 0
        values = self.model.geography.layer(layer)
        return np.bincount(field[inside], values[inside], minlength=count).astype(np.float64)

    def scale_reserves(self) -> None:
        """Size each field's reserves to its town's ``deposit_years`` of extraction.

        By the town's initial mines, in real workers (so the reserves do not depend on how
        many agents draw them).
        """
        model = self.model
        geo, firms = model.geography, model.firms
        field, count = self._fields()
        mining = firms.sector == Sector.RESOURCE
        owner = field[firms.cell[mining]]
        miners = (
            np.bincount(owner[owner >= 0], firms.positions[mining][owner >= 0], minlength=count)
            * model.persons_per_agent
        )
        years = np.array([c.deposit_years for c in model.config.geography.cities.values()])
        reserves = years * np.maximum(miners, 1.0) * self.params.extraction_per_worker
        deposits = geo.layer("deposits")
        held = self._field_totals("deposits")
        inside = field >= 0
        scale = np.divide(reserves, held, out=np.zeros(count), where=held > 0)
        deposits[inside] *= scale[field[inside]]
        geo.layer("deposits_initial")[:] = deposits

    def field_depletion(self) -> np.ndarray:
        """Share of each field's reserves already extracted."""
        initial = self._field_totals("deposits_initial")
        remaining = self._field_totals("deposits")
        return 1.0 - np.divide(remaining, initial, out=np.zeros_like(initial), where=initial > 0)

    def _depletion(self, cells: np.ndarray) -> np.ndarray:
        """Depletion of the field under each cell.

        0 where there is none: a mine there works an ordinary quarry that does not run out.
        """
        field, _ = self._fields()
        owner = field[cells]
        depletion = np.zeros(len(cells))
        inside = owner >= 0
        depletion[inside] = self.field_depletion()[owner[inside]]
        return depletion

    def remaining_share(self) -> float:
        """Reserves left in the region as a share of the initial reserves."""
        geo = self.model.geography
        initial = geo.layer("deposits_initial").sum()
        return float(geo.layer("deposits").sum() / initial) if initial > 0 else 0.0

    def yield_factor(self) -> np.ndarray:
        """Output factor of each firm: miners extract less from an emptying field."""
        firms = self.model.firms
        mining = firms.sector == Sector.RESOURCE
        factor = np.ones(len(firms))
        factor[mining] = 1.0 - self._depletion(firms.cell[mining]) ** self.params.depletion_exponent
        return factor

    def purchase_cost_index(self) -> float:
        """Cost of bought raw materials relative to the start: imports replace local supply."""
        return 1.0 + self.params.import_premium * (1.0 - self.remaining_share())

    def material_cost_index(self) -> np.ndarray:
        """Raw-material (for mines: extraction) cost of each firm relative to the start."""
        firms = self.model.firms
        index = np.full(len(firms), self.purchase_cost_index())
        mining = firms.sector == Sector.RESOURCE
        depletion = self._depletion(firms.cell[mining]) ** self.params.depletion_exponent
        index[mining] = 1.0 + self.params.depletion_cost * depletion
        return index

    def extract(self, workforce: np.ndarray) -> None:
        """Draw down each field by what its mines extract this year."""
        if not self.enabled:
            return
        firms = self.model.firms
        field, count = self._fields()
        mine_field = np.where(firms.sector == Sector.RESOURCE, field[firms.cell], -1)
        mining = mine_field >= 0
        wanted = np.bincount(
            mine_field[mining],
            workforce[mining] * self.model.persons_per_agent * self.params.extraction_per_worker,
            minlength=count,
        ).astype(np.float64)
        remaining = self._field_totals("deposits")
        fraction_left = 1.0 - np.divide(
            np.minimum(wanted, remaining),
            remaining,
            out=np.zeros_like(remaining),
            where=remaining > 0,
        )
        # Every cell of a field keeps the same share of what it held.
        geo = self.model.geography
        inside = field >= 0
        deposits = geo.layer("deposits")
        deposits[inside] *= fraction_left[field[inside]]
