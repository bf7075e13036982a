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
