"""The error every bad scenario or override raises."""

from declineabm.errors import InputError


class ScenarioError(InputError):
    """A scenario or an override is invalid; the message is one line that names the key."""


class RunawayGrowthError(ScenarioError):
    """A running model's agents or firms grew past what it can simulate (a guard, mid-run).

    The scenario is valid but its parameters drive the region into runaway growth; the
    calibration counts such a parameter set as rejected by the record rather than as an error.
    """
