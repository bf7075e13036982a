"""A discarded model can be freed: a long-lived process (the app's server) resets many."""

from __future__ import annotations

import gc
import weakref

from conftest import small_model


def test_disposed_model_is_garbage_collected() -> None:
    model = small_model()
    model.step()
    model.dispose()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_a_model_nobody_refers_to_is_freed_without_dispose() -> None:
    """Nothing of Mesa's or the model's keeps a finished model alive (batch_run relies on it)."""
    model = small_model()
    model.step()
    resident = next(iter(model.agents_by_type[type(model.residents.handles[0])]))
    ref, agent_ref = weakref.ref(model), weakref.ref(resident)
    del model, resident
    gc.collect()
    assert ref() is None and agent_ref() is None
