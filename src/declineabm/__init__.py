"""declineabm: an agent-based model of how industrial cities decline.

Built on Mesa from the causes a paper gives for the decline of Northeast China's old
industrial base. Start with :class:`UrbanDeclineModel`::

    from declineabm import UrbanDeclineModel

    model = UrbanDeclineModel(scenario="northeast", seed=7)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from declineabm.model.agents import Firm, Resident
    from declineabm.model.government import Government
    from declineabm.model.urban_decline import UrbanDeclineModel
    from declineabm.scenario import ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = [
    "Firm",
    "Government",
    "Resident",
    "ScenarioError",
    "UrbanDeclineModel",
    "__version__",
    "load_scenario",
]

_LAZY = {
    "UrbanDeclineModel": "declineabm.model.urban_decline",
    "Resident": "declineabm.model.agents",
    "Firm": "declineabm.model.agents",
    "Government": "declineabm.model.government",
    "ScenarioError": "declineabm.scenario",
    "load_scenario": "declineabm.scenario",
}


def __getattr__(name: str) -> Any:
    # Mesa takes most of a second to import, the scenario schema a few tenths: the command line
    # answers --help without either, and checks its input without Mesa.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'declineabm' has no attribute '{name}'")
