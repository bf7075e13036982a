"""What every cause of decline has in common: its scenario section and an on/off switch."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from declineabm.model.urban_decline import UrbanDeclineModel


class Switchable(Protocol):
    """What every cause's scenario section has: its switch."""

    @property
    def enabled(self) -> bool:
        """Whether the cause is switched on."""
        ...


P = TypeVar("P", bound=Switchable)
"""The scenario section of a cause (``IndustrySection`` for ``IndustrialRigidity``)."""


class Mechanism(Generic[P]):
    """A cause of decline, with its parameters from the scenario section of the same name.

    Subclasses answer questions the core processes ask (what does transport cost this firm?)
    and return the neutral answer when the cause is switched off, so switching a cause off
    removes exactly its effect and nothing else.

    Args:
        model: The model the mechanism acts in.
        params: The scenario section of this cause.
    """

    section: ClassVar[str] = ""
    switched_off: ClassVar[str] = ""
    """What the model does without this cause (the app and the docs show it)."""

    def __init__(self, model: UrbanDeclineModel, params: P) -> None:
        self.model = model
        self.params = params

    @property
    def enabled(self) -> bool:
        """Whether the cause is switched on in this scenario."""
        return bool(self.params.enabled)
