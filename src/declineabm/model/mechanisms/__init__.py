"""The causes of decline named by the paper, one module each, each switchable.

============================  ==============================  ==========================
scenario section              module                          paper
============================  ==============================  ==========================
``industry``                  :mod:`.industry`                abstract (1), §2.2.1
``resources``                 :mod:`.resources`               abstract (2), §1
``transport``                 :mod:`.transport`               abstract (3), §2.2.2
``infrastructure``            :mod:`.infrastructure`          abstract (4), §2.3
``demography``                :mod:`.demography`              abstract (5), §2.2.4
``environment``               :mod:`.environment`             §2.2.3
``policy``                    :mod:`.policy`                  §2.2.5
============================  ==============================  ==========================
"""

from typing import Any

from declineabm.model.mechanisms.base import Mechanism
from declineabm.model.mechanisms.demography import AgeingAndMigration
from declineabm.model.mechanisms.environment import EnvironmentalStandards
from declineabm.model.mechanisms.industry import IndustrialRigidity
from declineabm.model.mechanisms.infrastructure import InfrastructureDecay
from declineabm.model.mechanisms.policy import RevitalizationPolicy
from declineabm.model.mechanisms.resources import ResourceDepletion
from declineabm.model.mechanisms.transport import TransportCosts

MECHANISM_CLASSES: dict[str, type[Mechanism[Any]]] = {
    cls.section: cls
    for cls in (
        IndustrialRigidity,
        ResourceDepletion,
        TransportCosts,
        InfrastructureDecay,
        AgeingAndMigration,
        EnvironmentalStandards,
        RevitalizationPolicy,
    )
}
"""Each cause's mechanism class by its scenario section, in the paper's order."""
