"""Frames into widgets without a render pass: what the page draws every year.

Solara redraws by render passes, and each pass visits every component of the page: a few
hundred, tens of milliseconds, more than a year of the model takes. What changes every year
(the year, the progress line, the map picture, the charts' numbers) is therefore drawn by
setting the traits of those few widgets directly: a component renders its widget once, with
everything that changes rarely, and :func:`use_frames` hands it every new frame of the
session's :class:`FrameFeed`. Everything else is ordinary Solara, redrawn when the run's
settings or state change (:class:`~.frames.RunInfo`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import solara

from .frames import Frame

logger = logging.getLogger(__name__)

Draw = Callable[[Frame], None]


class FrameFeed:
    """The latest frame of a session and the widgets that draw it."""

    def __init__(self) -> None:
        self.latest: Frame | None = None
        self._draws: list[Draw] = []
        self._lock = threading.RLock()  # one frame at a time into the widgets

    def publish(self, frame: Frame) -> None:
        """Hand a new frame to every widget that follows the frames."""
        with self._lock:
            self.latest = frame
            for draw in list(self._draws):
                self._draw(draw, frame)

    def subscribe(self, draw: Draw) -> Callable[[], None]:
        """Follow the frames (the latest at once); returns the function that stops it."""
        with self._lock:
            self._draws.append(draw)
            if self.latest is not None:
                self._draw(draw, self.latest)

        def unsubscribe() -> None:
            with self._lock:
                if draw in self._draws:
                    self._draws.remove(draw)

        return unsubscribe

    @staticmethod
    def _draw(draw: Draw, frame: Frame) -> None:
        try:
            draw(frame)
        except Exception:  # one widget that cannot draw must not stop the others
            logger.exception("could not draw a frame")


def use_frames(
    feed: FrameFeed,
    element: Any,
    draw: Callable[[Any, Frame], None],
    dependencies: list[Any],
) -> None:
    """Draw every frame of ``feed`` into the widget of ``element`` while it is on the page.

    Args:
        feed: The session's frames.
        element: A widget element rendered by the calling component.
        draw: Sets the widget's traits from a frame.
        dependencies: What ``draw`` depends on besides the frame (it is replaced when they
            change).
    """

    def attach() -> Callable[[], None]:
        widget = solara.get_widget(element)
        return feed.subscribe(lambda frame: draw(widget, frame))

    solara.use_effect(attach, dependencies)
