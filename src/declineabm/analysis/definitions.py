"""What ``declineabm attribute`` can be asked: its definition sets of "off" and Shapley methods.

Kept apart from :mod:`declineabm.analysis.attribution` so that the command line can offer them
without importing the experiment machinery (which takes seconds): every ``declineabm``
command builds the whole parser, and a refusal should not wait for scipy.
"""

from __future__ import annotations

SHAPLEY_METHODS = ("auto", "exact", "sampled")
"""How the Shapley values are computed: exact over all coalitions, sampled orders, or auto."""

DEFINITIONS: dict[str, dict[str, str]] = {
    "scenario": {},
    "industry=adaptive": {"industry.off_means": "adaptive"},
    "transport=frozen_1990": {"transport.off_means": "frozen_1990"},
    "infrastructure=no_decay": {"infrastructure.off_means": "no_decay"},
    "demography=fertility": {"demography.off_means": "fertility"},
    "demography=migration": {"demography.off_means": "migration"},
    "policy=no_support": {"policy.off_means": "no_support"},
}
"""Definition sets: the scenario's own meanings of "off", and each contestable one changed."""
