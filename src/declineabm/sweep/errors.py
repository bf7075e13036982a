"""The one error type of batch runs."""

from declineabm.errors import InputError


class SweepError(InputError):
    """A sweep file, an option or a results folder is unusable; the message is one line."""
