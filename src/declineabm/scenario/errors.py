"""The error every bad scenario or override raises."""


class ScenarioError(ValueError):
    """A scenario or an override is invalid; the message is one line that names the key."""
