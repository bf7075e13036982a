"""What the page lets a user change: the city, and each cause of decline with its main strengths.

Every control is a dotted scenario key with a slider range; the help text of a control is the
description the scenario schema gives the key, and each cause carries the paper's own words for
it, so the page explains the model in the same terms as ``configs/baseline.toml`` and the paper.
A link or an uploaded file may set other keys too (:mod:`.settings` checks them all).

Slider ranges are the plausible span for exploring the model, always inside the schema's allowed
range (a test checks both ends); a scenario value outside the span widens the slider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from declineabm.model.mechanisms import MECHANISM_CLASSES
from declineabm.scenario import Scenario, takes_effect_mid_run


@dataclass(frozen=True)
class Control:
    """One slider (or whole-number box) for a scenario parameter.

    Attributes:
        key: Dotted scenario key, e.g. ``"policy.budget_share"``.
        label: Short label shown beside the control.
        low: Lowest value the slider offers.
        high: Highest value the slider offers.
        step: Slider step; whole numbers when ``step`` is an ``int``.
        percent: Show the value as a percentage (the scenario stores a fraction).
    """

    key: str
    label: str
    low: float
    high: float
    step: float
    percent: bool = False

    @property
    def integer(self) -> bool:
        """Whether the parameter takes whole numbers (years, counts)."""
        return isinstance(self.step, int)

    @property
    def live(self) -> bool:
        """Whether a running city can take a new value (see :func:`is_live`)."""
        return is_live(self.key)

    @property
    def help(self) -> str:
        """The schema's description of the parameter."""
        return describe(self.key)

    def value_in(self, scenario: Scenario) -> Any:
        """The parameter's value in a scenario."""
        section, name = self.key.split(".", 1)
        return getattr(getattr(scenario, section), name)

    def bounds(self, scenario: Scenario) -> tuple[float, float]:
        """The slider's range, widened to include the scenario's own value."""
        value = self.value_in(scenario)
        return min(self.low, value), max(self.high, value)


@dataclass(frozen=True)
class Cause:
    """A cause of decline as the page presents it.

    Attributes:
        section: The scenario section (and mechanism) of the cause.
        title: A short name.
        where: Where the paper names the cause.
        quote: The paper's words.
        controls: Sliders for its main strengths.
    """

    section: str
    title: str
    where: str
    quote: str
    controls: tuple[Control, ...]

    @property
    def switch_key(self) -> str:
        """The key that switches the cause on or off."""
        return f"{self.section}.enabled"

    @property
    def switched_off(self) -> str:
        """What the model does without this cause, from the mechanism's own documentation."""
        return MECHANISM_CLASSES[self.section].switched_off


CITY = (
    Control("simulation.residents", "Agents", 1_000, 200_000, 1_000),
    Control("geography.km_per_cell", "Map cell (km)", 2, 60, 1),
    Control("simulation.end_year", "Last year", 1995, 2060, 1),
)
"""The resolution and time span of the region (apply on Reset). The number of agents keeps the
scenario's population: each agent stands for population / agents persons."""

CAUSES = (
    Cause(
        "industry",
        "Old, single, state-owned heavy industry",
        "abstract (1), §2.2.1",
        "The old industrial system could not adapt to the new economic system. […] The single "
        "industrial structure is difficult to adapt to the market demand, resulting in the "
        "decline of enterprise competitiveness.",
        (
            Control("industry.reform_year", "Market reform of state firms", 1990, 2025, 1),
            Control("industry.reform_span", "Years the reform takes", 0, 20, 1),
            Control("industry.soe_efficiency", "State-firm productivity", 0.3, 1.2, 0.05),
            Control("industry.soe_wage_norm", "State-firm wage norm", 0.0, 1.5, 0.05),
            Control("industry.soe_layoff_rate", "State-firm layoffs", 0.0, 0.5, 0.01, True),
            Control("industry.soe_closure_patience", "State-firm loss years", 1, 15, 1),
            Control("industry.adaptation_soe", "State firms adapt", 0.0, 0.5, 0.01, True),
            Control("industry.adaptation_private", "Private firms adapt", 0.0, 1.0, 0.05, True),
        ),
    ),
    Cause(
        "resources",
        "Over-dependence on raw materials",
        "abstract (2), §1",
        "The industry's over-dependence on raw materials has caused a shortage of resources. "
        "[…] It is a typical resource-dependent development model.",
        (
            Control("resources.depletion_cost", "Cost of depletion", 0.0, 5.0, 0.1),
            Control("resources.depletion_exponent", "How late depletion bites", 0.5, 5.0, 0.1),
            Control("resources.import_premium", "Import premium", 0.0, 3.0, 0.05),
        ),
    ),
    Cause(
        "transport",
        "Remote location, rising transport costs",
        "abstract (3), §2.2.2",
        "There are no long-distance waterways in the northern region. Overland transportation "
        "costs are high. Therefore, the economic center began to migrate to the southeast coast.",
        (
            Control("transport.cost_per_1000km", "Cost per 1000 km", 0.0, 0.5, 0.01, True),
            Control("transport.index_growth", "Freight index rise after 2001", 0.0, 0.1, 0.005),
            Control(
                "transport.infrastructure_discount", "Saved by infrastructure", 0.0, 1.0, 0.05, True
            ),
            Control("transport.entry_sensitivity", "New firms avoid remoteness", 0.0, 20.0, 0.5),
        ),
    ),
    Cause(
        "infrastructure",
        "Lack of infrastructure",
        "abstract (4), §2.3",
        "Lack of infrastructure. […] Degradation of built environment and site function; "
        "infrastructure degradation.",
        (
            Control("infrastructure.decay_rate", "Yearly decay", 0.0, 0.2, 0.005, True),
            Control("infrastructure.unit_cost", "Cost of renewal", 0.1, 10.0, 0.1),
            Control(
                "infrastructure.productivity_weight", "Productivity at stake", 0.0, 1.0, 0.05, True
            ),
            Control("infrastructure.amenity_weight", "Weight in amenity", 0.0, 3.0, 0.1),
        ),
    ),
    Cause(
        "demography",
        "Ageing and out-migration of the young",
        "abstract (5), §2.2.4",
        "In order to have a better life, many young people in the Northeast choose to leave "
        "their hometown after graduation and go to the south to find job opportunities.",
        (Control("demography.young_leaving", "The young leave more readily", 0.0, 5.0, 0.1),),
    ),
    Cause(
        "environment",
        "Pollution and environmental standards",
        "§2.2.3",
        "With the improvement of environmental protection requirements, many enterprises are "
        "difficult to meet environmental protection standards and are forced to close or "
        "transform, which also leads to the decline of old industrial areas.",
        (
            Control("environment.compliance_cost", "Compliance cost", 0.0, 0.5, 0.01, True),
            Control("environment.intensity_limit", "Permitted emissions", 0.2, 5.0, 0.1),
            Control("environment.concentration_limit", "Pollution limit", 0.1, 5.0, 0.1),
            Control("environment.amenity_weight", "Weight in amenity", 0.0, 3.0, 0.1),
        ),
    ),
    Cause(
        "policy",
        "Revitalization policy",
        "§2.2.5",
        "These policies have not played a sustained and effective role in promoting the "
        "development of the Northeast region […] due to the support of the policy, it leads to "
        "the waste of resources and unreasonable allocation of resources […] the government in "
        "Northeast China has low efficiency and serious corruption problems, so it can not "
        "effectively attract foreign investment.",
        (
            Control("policy.start_year", "Start year", 1990, 2025, 1),
            Control(
                "policy.budget_share", "Subsidy budget (share of output)", 0.0, 0.1, 0.005, True
            ),
            Control("policy.efficiency", "Efficiency (reaches its target)", 0.0, 1.0, 0.05, True),
            Control("policy.target_soe", "Target: failing state firms", 0.0, 1.0, 0.05),
            Control("policy.target_new_industries", "Target: new industries", 0.0, 1.0, 0.05),
            Control("policy.target_infrastructure", "Target: infrastructure", 0.0, 1.0, 0.05),
            Control("policy.target_young", "Target: young people", 0.0, 1.0, 0.05),
            Control("policy.entry_boost", "New firms per unit of support", 0.0, 500.0, 10.0),
            Control(
                "policy.investment_climate", "Investment climate (1 = ordinary)", 0.05, 1.0, 0.05
            ),
        ),
    ),
)
"""The seven causes, in the order the paper lists them."""

CAUSE_BY_SECTION = {cause.section: cause for cause in CAUSES}
CONTROLS = {c.key: c for c in (*CITY, *(c for cause in CAUSES for c in cause.controls))}
"""Every slider by key."""
SWITCHES = frozenset(cause.switch_key for cause in CAUSES)
EDITABLE = frozenset(CONTROLS) | SWITCHES
"""The scenario keys the page's controls change (persons per agent follow the agents)."""


def describe(key: str) -> str:
    """The scenario schema's description of a dotted key."""
    model: Any = Scenario
    field = None
    for part in key.split("."):
        field = model.model_fields[part]
        model = field.annotation
    return field.description or "" if field is not None else ""


def is_live(key: str) -> bool:
    """Whether a running city can take a new value for ``key``, from its next year on.

    The scenario schema declares it (:func:`declineabm.scenario.takes_effect_mid_run`): a
    cause's parameters are read afresh every year, the city's size and geography shape only
    its initial state and apply on Reset.
    """
    return takes_effect_mid_run(key)
