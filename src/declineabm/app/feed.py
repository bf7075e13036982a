"""Frames into widgets without a render pass: what the page draws every year.

Solara redraws by render passes, and each pass visits every component of the page: a few
hundred, tens of milliseconds, more than a year of the model takes. What changes every year
(the year, the progress line, the map picture, the charts' numbers) is therefore drawn by
setting the traits of those few widgets directly: a component renders its widget once, with
everything that changes rarely, and :func:`use_frames` hands it every new frame of the
session's :class:`FrameFeed`. The traits drawn this way must not be properties of the element
too: a later render pass could set them back to the value the element was made with.
Everything else is ordinary Solara, redrawn when the run's settings or state change
(:class:`~.frames.RunInfo`).

A widget follows the frames the page redraws (``Frame.redraw``), or every frame (the year in
the top bar, which moves on every year even while the map and charts are redrawn less often).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import solara

from .frames import Frame

logger = logging.getLogger(__name__)

Draw = Callable[[Any, Frame], None]


class FrameFeed:
    """The latest frame of a session and the widgets that draw it."""

    def __init__(self) -> None:
        self.latest: Frame | None = None
        self.redrawn: Frame | None = None  # the latest frame the page redraws in full
        self._followers: list[tuple[Any, Draw, bool]] = []  # widget, draw, every frame
        self._lock = threading.RLock()  # one frame at a time into the widgets

    def publish(self, frame: Frame) -> None:
        """Hand a new frame to every widget that follows it."""
        with self._lock:
            self.latest = frame
            if frame.redraw:
                self.redrawn = frame
            # the widgets of every frame first: the browser shows the year (and tells the
            # server, which steps on) while the map and the charts are still on their way
            for follower in sorted(self._followers, key=lambda follower: not follower[2]):
                if frame.redraw or follower[2]:
                    self._draw(follower, frame)

    def subscribe(self, widget: Any, draw: Draw, every_frame: bool = False) -> Callable[[], None]:
        """Draw the frames into ``widget`` (the latest at once); returns what stops it.

        Args:
            widget: The widget.
            draw: Sets its traits from a frame.
            every_frame: Draw every frame, not only those the page redraws in full.
        """
        follower = (widget, draw, every_frame)
        with self._lock:
            self._followers.append(follower)
            self._draw_latest(follower)

        def unsubscribe() -> None:
            with self._lock:
                if follower in self._followers:
                    self._followers.remove(follower)

        return unsubscribe

    def draw_latest(self, widget: Any, draw: Draw, every_frame: bool = False) -> None:
        """Draw the latest frame into one widget (its drawing changed)."""
        with self._lock:
            self._draw_latest((widget, draw, every_frame))

    def _draw_latest(self, follower: tuple[Any, Draw, bool]) -> None:
        frame = self.latest if follower[2] else self.redrawn
        if frame is not None:
            self._draw(follower, frame)

    def resend(self) -> None:
        """Send every following widget's state to the browser again.

        A frame drawn while the browser was still building the page can be lost on the way;
        the page calls this once its widgets are there (:class:`~.widgets.Bridge` says so).
        """
        with self._lock:
            for widget, _, _ in list(self._followers):
                widget.send_state()

    @staticmethod
    def _draw(follower: tuple[Any, Draw, bool], frame: Frame) -> None:
        widget, draw, _ = follower
        try:
            draw(widget, frame)
        except Exception:  # one widget that cannot draw must not stop the others
            logger.exception("could not draw a frame")


def use_frames(
    feed: FrameFeed,
    element: Any,
    draw: Callable[[Any, Frame], None],
    dependencies: list[Any],
    every_frame: bool = False,
) -> None:
    """Draw the frames of ``feed`` into the widget of ``element`` while it is on the page.

    Args:
        feed: The session's frames.
        element: A widget element rendered by the calling component (the same widget on every
            render, as an element of the same kind in the same place is).
        draw: Sets the widget's traits from a frame.
        dependencies: What ``draw`` depends on besides the frame: when they change, the
            latest frame is drawn again with the new ``draw``.
        every_frame: Draw every frame, not only those the page redraws in full.
    """
    current = solara.use_ref(draw)
    current.current = draw
    widget = solara.use_ref(None)

    def attach() -> Callable[[], None]:
        # once, on mount: Solara hands out a widget for the element of the first render only
        widget.current = solara.get_widget(element)
        return feed.subscribe(
            widget.current, lambda w, frame: current.current(w, frame), every_frame
        )

    def redraw() -> None:
        if widget.current is not None:
            feed.draw_latest(widget.current, current.current, every_frame)

    solara.use_effect(attach, [])
    solara.use_effect(redraw, dependencies)
