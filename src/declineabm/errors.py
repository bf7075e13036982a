"""The base of every bad-input error (a scenario, a sweep, an option, a folder).

The command line turns any of them into one line on stderr and exit status 2. It lives apart
from the packages that raise it so that the command line can catch it without importing them.
"""


class InputError(ValueError):
    """Input that cannot be used; the message is one line naming the offending key or value."""
