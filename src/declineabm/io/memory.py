"""How much memory this machine has to give, for refusing work that cannot fit."""

from __future__ import annotations

import os


def available_memory() -> int:
    """Bytes this process could still allocate: free memory plus reclaimable caches."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is a dependency
        return physical_memory()


def physical_memory() -> int:
    """Bytes of physical memory of this machine."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 16 * 2**30


def gib(size: float) -> str:
    """A number of bytes in GiB (or TiB), for messages."""
    if size >= 2**40:
        return f"{size / 2**40:,.0f} TiB"
    return f"{size / 2**30:,.1f} GiB"
