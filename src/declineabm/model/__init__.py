"""The science: agents, the core processes of a city, and one module per cause of decline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
