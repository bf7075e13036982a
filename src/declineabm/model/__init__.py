"""The science: agents, the core processes of a city, and one module per cause of decline."""

from declineabm.model.urban_decline import UrbanDeclineModel

__all__ = ["UrbanDeclineModel"]
