"""Batches of runs: parameter sweeps, many seeds, many scenarios; in parallel, resumable.

Two layers:

* execution (:func:`execute`, :class:`RunSpec`): run any list of runs on local processes or a
  Dask cluster into a results folder, streamed, resumable, with byte-identical tables however
  it was computed. Validation, attribution and policy comparisons build on it.
* sweep files (:func:`load_sweep`): a TOML file naming a base scenario, parameters with values
  or ranges, a sampler, samples, replicates and years, turned into run specs.

Sensitivity analysis of a finished sweep is in :mod:`declineabm.sweep.analysis`.
"""

from declineabm.sweep.errors import SweepError
from declineabm.sweep.execute import Summary, execute, make_plan
from declineabm.sweep.spec import RunSpec, run_id

__all__ = ["RunSpec", "Summary", "SweepError", "execute", "make_plan", "run_id"]
