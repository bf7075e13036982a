"""Scenarios: the validated set of every parameter of a run, assembled from its sections.

A scenario is a TOML file in ``configs/``. Each section's schema lives beside the rules that
read it: a cause's in its module under :mod:`declineabm.model.mechanisms`, the city's structure
in :mod:`declineabm.model.structure`, the sectors in :mod:`declineabm.model.sectors`; this
package assembles them into :class:`Scenario`, loads files (:mod:`.loading`) and turns
validation errors into one line that names the key (:mod:`.messages`). The numbers themselves
live only in the TOML files (``baseline.toml`` lists every parameter with a comment; other
scenarios ``extends`` it and override a few).

Parameters are addressed by dotted keys (``demography.outmigration_base``) everywhere: in
``--set key=value`` on the command line, as keyword arguments to ``UrbanDeclineModel`` (where
``demography__outmigration_base`` is accepted too), and in sweep files.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from pydantic import Field, field_validator, model_validator

from declineabm.model.capital import CapitalSection
from declineabm.model.mechanisms.demography import DemographySection
from declineabm.model.mechanisms.environment import EnvironmentSection
from declineabm.model.mechanisms.industry import IndustrySection
from declineabm.model.mechanisms.infrastructure import InfrastructureSection
from declineabm.model.mechanisms.policy import PolicySection
from declineabm.model.mechanisms.resources import ResourcesSection
from declineabm.model.mechanisms.transport import TransportSection
from declineabm.model.national import NationalSection
from declineabm.model.parameters import Section
from declineabm.model.sectors import SectorsSection
from declineabm.model.structure import (
    EconomySection,
    GeographySection,
    HousingSection,
    MigrationSection,
    PopulationSection,
    RestOfChinaSection,
    SimulationSection,
    physical_memory,
)
from declineabm.scenario.errors import ScenarioError

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$"
"""A scenario's or a sweep's name: it becomes a folder name, so no path separators."""


def _ceil(value: float) -> float:
    """The smallest whole number not below ``value``, as a float (infinity stays infinite)."""
    return float(math.ceil(value)) if math.isfinite(value) else value


class Scenario(Section):
    """A complete, validated scenario."""

    name: str = Field(
        description="Short name of the scenario (letters, digits, and . _ + - inside): it names "
        "the default results folder, so it holds no path.",
        pattern=NAME_PATTERN,
        max_length=80,
    )
    description: str = Field(description="What the scenario represents.")
    observed: str | None = Field(
        default=None,
        description="The official record the scenario is compared with: a file in data/ "
        "(see declineabm.io.observed), or none.",
    )

    @field_validator("observed")
    @classmethod
    def _record_exists(cls, name: str | None) -> str | None:
        if name is not None:
            from declineabm.io.observed import resolve_observed_path

            try:
                resolve_observed_path(name)
            except ScenarioError as exc:
                raise ValueError(str(exc)) from None
        return name

    simulation: SimulationSection
    geography: GeographySection
    sectors: SectorsSection
    population: PopulationSection
    economy: EconomySection
    migration: MigrationSection
    housing: HousingSection
    national: NationalSection
    capital: CapitalSection
    rest_of_china: RestOfChinaSection
    industry: IndustrySection
    resources: ResourcesSection
    transport: TransportSection
    infrastructure: InfrastructureSection
    demography: DemographySection
    environment: EnvironmentSection
    policy: PolicySection

    def grid_cells(self) -> float:
        """Cells of the region's grid (a float: a hostile km_per_cell can make it infinite)."""
        geo = self.geography
        return _ceil(geo.width_km / geo.km_per_cell) * _ceil(geo.height_km / geo.km_per_cell)

    def run_bytes(self) -> float:
        """Memory one run of this scenario takes at most (bytes, an estimate)."""
        # Measured: a Mesa grid cell with its connections ~1.5 KB, a resident ~0.6 KB; the
        # population can grow, so allow for twice the initial residents.
        return self.grid_cells() * 1500 + self.simulation.residents * 2 * 600

    @model_validator(mode="after")
    def _fits_in_memory(self) -> Scenario:
        simulation, cells = self.simulation, self.grid_cells()
        needed = self.run_bytes()
        available = physical_memory()
        if needed > available:
            raise ValueError(
                f"a grid of {cells:.0f} cells (geography.width_km, height_km, km_per_cell) "
                f"with simulation.residents = {simulation.residents} needs about "
                f"{needed / 2**30:.1f} GiB, more than this machine's {available / 2**30:.1f} GiB"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (what ``run.json`` records)."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the resolved scenario in canonical JSON."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


MECHANISMS = (
    "industry",
    "resources",
    "transport",
    "infrastructure",
    "demography",
    "environment",
    "policy",
)
"""Scenario sections that are causes of decline, each with an ``enabled`` switch."""


def takes_effect_mid_run(key: str) -> bool:
    """Whether a running model can take a new value for the dotted ``key``.

    A cause's parameters can (its mechanism reads them every year), unless the field is marked
    :data:`~declineabm.model.parameters.AT_START`; the city's structure cannot.
    """
    section, _, name = key.partition(".")
    if section not in MECHANISMS:
        return False
    schema = Scenario.model_fields[section].annotation
    assert isinstance(schema, type) and issubclass(schema, Section)
    field = schema.model_fields.get(name.split(".")[0])
    extra = field.json_schema_extra if field is not None else None
    return not (isinstance(extra, dict) and extra.get("mid_run") is False)


# The loading API, after Scenario (the loaders validate against it).
from declineabm.scenario.loading import (  # noqa: E402
    apply_overrides,
    available_scenarios,
    config_dir,
    deep_merge,
    load_scenario,
    normalise_key,
    parse_assignment,
    parse_value,
    resolve_scenario_path,
    validate,
)

__all__ = [
    "MECHANISMS",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "available_scenarios",
    "config_dir",
    "deep_merge",
    "load_scenario",
    "normalise_key",
    "parse_assignment",
    "parse_value",
    "resolve_scenario_path",
    "takes_effect_mid_run",
    "validate",
]
