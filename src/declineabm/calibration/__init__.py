"""Calibration of a scenario against its observed record: ABC-SMC with pyabc.

* :mod:`.spec`: the calibration file (free parameters, priors and reasons, targets, budget);
* :mod:`.observation`: the observation model (relative comparisons, reporting terms for the
  record's statistical breaks, error scales);
* :mod:`.transforms`: calibrated numbers as scenario overrides (values, scaled or stretched paths);
* :mod:`.sampler`: the pyabc sampler that evaluates batches through the executor, deterministic;
* :mod:`.smc`: the ABC-SMC run, resumable;
* :mod:`.results`: posterior tables and figures, the calibrated scenario, the predictive;
* :mod:`.posterior`: the posterior file that runs and experiments draw parameters from.
"""

from declineabm.calibration.posterior import Posterior, load_posterior, replicate
from declineabm.calibration.spec import Calibration, CalibrationError, load_calibration

__all__ = [
    "Calibration",
    "CalibrationError",
    "Posterior",
    "load_calibration",
    "load_posterior",
    "replicate",
]
