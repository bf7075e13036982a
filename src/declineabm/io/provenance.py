"""What a result needs to be reproduced: versions, hashes, timestamps."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform

PACKAGES = (
    "declineabm",
    "mesa",
    "numpy",
    "pandas",
    "pydantic",
    "scipy",
    "SALib",
    "dask",
    "distributed",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape a result."""
    from importlib import metadata  # when needed: a refused --set imports this module too

    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def now() -> str:
    """The current UTC time in ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sha256_text(text: str) -> str:
    """SHA-256 of a text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
