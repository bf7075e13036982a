"""Each named meaning of "switched off" takes away what its docstring says, and nothing else."""

from __future__ import annotations

import numpy as np
from conftest import small_model


def test_transport_frozen_1990_keeps_the_remoteness_at_the_1990_freight_index() -> None:
    frozen = small_model(**{"transport.enabled": False, "transport.off_means": "frozen_1990"})
    free = small_model(**{"transport.enabled": False})
    frozen.run(2010)
    free.run(2010)
    index_1990 = frozen.config.transport.index_1990
    assert frozen.transport.index() == index_1990 != 1.0
    cells = np.flatnonzero(frozen.geography.layer("city") >= 0)
    remote = frozen.transport.cost_share(cells, np.ones(len(cells)))
    assert remote.max() > 0 and not free.transport.cost_share(cells, np.ones(len(cells))).any()
    on = small_model()
    on.run(2010)
    assert on.transport.index() > index_1990


def test_infrastructure_no_decay_still_invests_frozen_keeps_the_start() -> None:
    frozen = small_model(**{"infrastructure.enabled": False})
    start = frozen.geography.layer("infrastructure").copy()
    renewed = small_model(
        **{"infrastructure.enabled": False, "infrastructure.off_means": "no_decay"}
    )
    frozen.run(2005)
    renewed.run(2005)
    np.testing.assert_array_equal(frozen.geography.layer("infrastructure"), start)
    quality = renewed.geography.layer("infrastructure")
    assert (quality >= start).all() and (quality > start).any()


def test_demography_sub_switches_take_away_one_part_each() -> None:
    old = np.array([30.0, 70.0])
    young = np.array([25.0])
    fertility = small_model(**{"demography.enabled": False, "demography.off_means": "fertility"})
    migration = small_model(**{"demography.enabled": False, "demography.off_means": "migration"})
    on = small_model()
    national = on.rest_of_china.fertility()
    assert fertility.demography.fertility() == national != on.demography.fertility()
    assert migration.demography.fertility() == on.demography.fertility()
    leaving = on.config.demography.young_leaving
    assert leaving != 1.0
    assert fertility.demography.leaving_propensity(young)[0] == leaving
    assert migration.demography.leaving_propensity(young)[0] == 1.0
    assert (migration.demography.leaving_propensity(old) == 1.0).all()
    assert fertility.demography.initial_age_profile() == fertility.config.rest_of_china.age_profile
    assert migration.demography.initial_age_profile() == on.config.population.age_profile
