"""The one error type of batch runs."""


class SweepError(ValueError):
    """A sweep file, an option or a results folder is unusable; the message is one line."""
