"""The science: agents, the core processes of a city, and one module per cause of decline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from declineabm.lazy_import import load_on_first_use

# Each cause's module holds its scenario section beside its rules (and so do the sectors, the
# nation and the population); the rules use numpy, the sections do not. The scenario schema
# imports those modules, and checking a scenario (a refused --set) must not wait for numpy:
# their `import numpy as np` binds numpy's module, which runs when first used by anyone.
load_on_first_use("numpy")

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel

__all__ = ["UrbanDeclineModel"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the scenario schema reads the causes' modules, and checking a
    # scenario must not wait for Mesa to load.
    if name == "UrbanDeclineModel":
        from declineabm.model.urban_decline import UrbanDeclineModel

        return UrbanDeclineModel
    raise AttributeError(name)
