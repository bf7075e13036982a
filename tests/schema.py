"""The scenario schema walked as data: every leaf field with its type and bounds.

The schema test and the fuzz suite read the parameters from here, so a field the schema gains
is checked and fuzzed without a test being edited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from declineabm.scenario import Scenario


@dataclass(frozen=True)
class Leaf:
    """One field of the scenario (or one element of a path's pairs).

    Attributes:
        key: Dotted key (``demography.age_profile``).
        kind: ``"number"``, ``"integer"``, ``"boolean"``, ``"string"`` or ``"path"``.
        schema: The field's JSON schema (for a path: the schema of the pair).
    """

    key: str
    kind: str
    schema: dict[str, Any]

    def bounds(self, schema: dict[str, Any] | None = None) -> tuple[float | None, float | None]:
        """Lower and upper bound of a number (either may be exclusive), None if unbounded."""
        s = self.schema if schema is None else schema
        low = s.get("minimum", s.get("exclusiveMinimum"))
        high = s.get("maximum", s.get("exclusiveMaximum"))
        return low, high

    @property
    def pair(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The schemas of a path's key (year or age) and value."""
        key, value = self.schema["prefixItems"]
        return key, value


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return defs[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], defs)
    return schema


def leaves() -> Iterator[Leaf]:
    """Every leaf field of :class:`~declineabm.scenario.Scenario`, in schema order."""
    root = Scenario.model_json_schema()
    defs = root.get("$defs", {})

    def walk(schema: dict[str, Any], prefix: str) -> Iterator[Leaf]:
        for name, field in schema["properties"].items():
            field = _resolve(field, defs)
            key = f"{prefix}{name}"
            if "properties" in field:
                yield from walk(field, f"{key}.")
            elif field.get("type") == "array":
                yield Leaf(key, "path", field["items"])
            elif "anyOf" in field:  # optional (None allowed): the other type
                kinds = [s for s in field["anyOf"] if s.get("type") != "null"]
                yield Leaf(key, kinds[0].get("type", "string"), kinds[0])
            else:
                yield Leaf(key, field.get("type", "string"), field)

    yield from walk(root, "")
