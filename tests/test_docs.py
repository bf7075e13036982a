"""The documentation stays true to the code: every parameter, cause and indicator is described."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from declineabm.model.indicators import INDICATORS
from declineabm.scenario import MECHANISMS, Scenario

ROOT = Path(__file__).resolve().parents[1]


def parameter_keys(model=Scenario, prefix: str = "") -> list[str]:
    """Every parameter's dotted key; a table of named sections (cities) gives ``name.*.key``."""
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if hasattr(annotation, "model_fields"):
            keys += parameter_keys(annotation, f"{prefix}{name}.")
        elif typing.get_origin(annotation) is dict:
            entry = typing.get_args(annotation)[1]
            keys += parameter_keys(entry, f"{prefix}{name}.*.")
        elif prefix:
            keys.append(f"{prefix}{name}")
    return keys


def test_odd_describes_every_parameter_and_cause() -> None:
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for mechanism in MECHANISMS:
        assert f"`{mechanism}`" in odd and f"mechanisms/{mechanism}.py" in odd
    missing = []
    for key in parameter_keys():
        if key.endswith(".enabled"):
            continue  # the switches are described once, for all causes
        generic = re.sub(r"^sectors\.\w+\.", "sectors.s.", key)
        star = re.sub(r"^sectors\.\w+\.", "sectors.*.", key)
        # a mix of sectors is named once, by its first sector (".resource", ".heavy", ...)
        mix = re.sub(r"\.(resource|heavy|light|services|hightech)$", ".resource", key)
        if not any(k in odd for k in (key, generic, star, mix)):
            missing.append(key)
    assert not missing, f"docs/ODD.md does not mention {missing}"


def test_readme_lists_every_indicator_with_its_unit() -> None:
    readme = (ROOT / "README.md").read_text()
    for indicator in INDICATORS:
        assert f"`{indicator.name}`" in readme, indicator.name


def test_baseline_lists_every_parameter() -> None:
    text = (ROOT / "configs" / "baseline.toml").read_text()
    for key in parameter_keys():
        name = key.rsplit(".", 1)[1]
        if name == "off_means" or (name == "deposit_years" and "*" in key):
            pass  # listed once, with a comment
        assert re.search(rf"^{name}\s*=", text, re.M), key


def test_architecture_says_what_every_module_of_the_model_owns() -> None:
    # A module added to model/ without a row in the table would leave a newcomer guessing.
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    rows = set(re.findall(r"^\| `([\w/]+(?:\.py)?)` \|", text, re.M))
    model = ROOT / "src" / "declineabm" / "model"
    modules = {p.name for p in model.glob("*.py") if p.name != "__init__.py"} | {"mechanisms/"}
    assert modules <= rows, f"docs/ARCHITECTURE.md has no row for {sorted(modules - rows)}"
