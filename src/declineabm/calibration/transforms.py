"""From calibrated numbers to scenario overrides (see ``TRANSFORMS`` in :mod:`.spec`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from declineabm.calibration.spec import Calibration, CalibrationError, FreeParameter
from declineabm.scenario import Scenario, load_scenario


def scenario_value(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a resolved scenario."""
    node: Any = scenario.to_dict()
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise CalibrationError(f"parameter key '{key}' is not a key of the scenario")
        node = node[part]
    return node


def _is_path(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list | tuple) and len(p) == 2 for p in value
    )


def transformed(parameter: FreeParameter, base: Any, x: float) -> Any:
    """The key's value for the calibrated number ``x``, from the scenario's value ``base``."""
    x = float(x)
    if parameter.transform == "value":
        if isinstance(base, bool) or not isinstance(base, int | float):
            raise CalibrationError(
                f"parameters.{parameter.name}: '{parameter.key}' is not a number; use "
                "transform = 'scale' or 'amplitude' for a path"
            )
        return round(x) if isinstance(base, int) else x
    if parameter.transform == "scale":
        if _is_path(base):
            return [[p[0], p[1] * x] for p in base]
        if isinstance(base, int | float) and not isinstance(base, bool):
            return base * x
        raise CalibrationError(f"parameters.{parameter.name}: cannot scale '{parameter.key}'")
    if not _is_path(base):
        raise CalibrationError(
            f"parameters.{parameter.name}: transform 'amplitude' needs a time path, and "
            f"'{parameter.key}' is not one"
        )
    first = base[0][1]
    return [[p[0], first + x * (p[1] - first)] for p in base]


def model_overrides(
    parameters: Sequence[FreeParameter], base: Scenario, theta: Mapping[str, float]
) -> dict[str, Any]:
    """Scenario overrides of one particle (its reporting terms are not the model's)."""
    return {p.key: transformed(p, reference(p, base), theta[p.name]) for p in parameters}


def reference(parameter: FreeParameter, base: Scenario) -> Any:
    """What the parameter's transform applies to: its ``base`` scenario's value, else ``base``'s."""
    scenario = base if parameter.base is None else _named_scenario(parameter.base)
    return scenario_value(scenario, parameter.key)


@functools.cache
def _named_scenario(name: str) -> Scenario:
    """A scenario by name, loaded once a process (``model_overrides`` runs for every proposal)."""
    return load_scenario(name)


def check_parameters(calibration: Calibration, base: Scenario) -> None:
    """Check that every free parameter's key exists and its range gives valid scenarios.

    The prior's two ends are tried on the scenario (each parameter alone), so a range that the
    model refuses is found before anything runs, with the scenario's one-line message.
    """
    keys = [p.key for p in calibration.parameters]
    for key in keys:
        if keys.count(key) > 1:
            raise CalibrationError(f"{calibration.path}: two parameters set '{key}'")
        if key in calibration.overrides:
            raise CalibrationError(
                f"{calibration.path}: '{key}' is calibrated and also in [set]; choose one"
            )
    for parameter in calibration.parameters:
        try:
            value = reference(parameter, base)
        except CalibrationError:
            raise
        except Exception as exc:  # ScenarioError: the base names no scenario
            raise CalibrationError(
                f"{calibration.path}: parameters.{parameter.name}.base: {exc}"
            ) from None
        for end in (parameter.prior.low, parameter.prior.high):
            try:
                load_scenario(base, {parameter.key: transformed(parameter, value, end)})
            except CalibrationError:
                raise
            except Exception as exc:  # ScenarioError: say which prior end is refused
                raise CalibrationError(
                    f"{calibration.path}: parameters.{parameter.name} = {end:g} (an end of its "
                    f"prior) gives an invalid scenario: {exc}"
                ) from None
