"""The error every bad scenario or override raises."""

from declineabm.errors import InputError


class ScenarioError(InputError):
    """A scenario or an override is invalid; the message is one line that names the key."""
