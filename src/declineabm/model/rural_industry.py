"""Rural industry: the township and village enterprises of the countryside, in both regions.

In 1990, 92.65 million people worked in township and village enterprises (TVEs), 19.4 % of the
477.08 million employed in the countryside (China Statistical Yearbook): rural workers who
"left the land but not the village", making light manufactures and building materials at
several times a farm worker's output. Without them every rural person of working age farmed in
the model, and the nation's farms made over half of its output where the national accounts'
primary sector made 27 % (docs/CALIBRATION.md, "What still misses").

Summary of rule (the same in both regions, on expected values, so no agent changes and the
rule does not depend on how many agents draw the countryside):

* a fixed share of a region's rural working-age persons (those who would otherwise farm) works
  in rural industry, at ``economy.rural_industry_productivity`` times an urban
  light-manufacturing firm's output per worker; as the countryside empties into the cities,
  its rural industry shrinks with it;
* it pays them what they would earn farming, the dual economy's wage (Lewis 1954), so rural
  households' incomes are farm incomes and rural industry's surplus is profit.

The share: the rest of China's is the nation's of 1990 (``rest_of_china.rural_industry_share``,
data); the Northeast's belongs to cause 1 (``industry.rural_industry_share``: a state-owned
heavy-industry base left little room for collective and private rural firms), and with cause 1
switched off the Northeast has the nation's (:meth:`.IndustrialRigidity.rural_industry_share`).
*Not modelled:* TVE employment grew to about 135 million by 1996 and then stalled as the
enterprises were privatized into the ordinary private firms of the towns, which the model's
cities hold; the share is the start year's throughout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from declineabm.model.sectors import Sector

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


def technology(model: UrbanDeclineModel) -> float:
    """Output per rural-industry worker before the frontier (light manufactures, at prices)."""
    light = Sector.LIGHT
    urban = model.sector_technology()[light] * model.prices()[light]
    return model.config.economy.rural_industry_productivity * urban


def rural_technology(model: UrbanDeclineModel, share: float) -> float:
    """Output per rural worker before the frontier, when ``share`` of them are in rural industry."""
    return (1.0 - share) * model.farm_technology() + share * technology(model)
