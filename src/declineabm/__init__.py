"""declineabm: an agent-based model of how industrial cities decline.

Built on Mesa from the causes a paper gives for the decline of Northeast China's old
industrial base. Start with :class:`UrbanDeclineModel`::

    from declineabm import UrbanDeclineModel

    model = UrbanDeclineModel(scenario="northeast", seed=7)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
"""

from declineabm.model import UrbanDeclineModel
from declineabm.scenario import ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = ["ScenarioError", "UrbanDeclineModel", "__version__", "load_scenario"]
