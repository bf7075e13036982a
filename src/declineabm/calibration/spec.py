"""The calibration file: which parameters are free, their priors, the targets and the budget.

Everything about *what* is calibrated lives in a TOML file in ``configs/calibration/``, never in
code, so the free parameters can change with the model. A file holds:

* ``until``: the last year of the record the fit may see (``--until`` overrides it);
* ``records``: observed records beside the scenario's own (files in ``data/``) whose
  indicators the targets may name, e.g. the nation's censuses (``china.csv``), so that a share
  of the nation is fitted with a national denominator that is right;
* ``[budget]``: ABC-SMC population, generations, simulations, the batch a generation is
  evaluated in, the transition kernel and the seed;
* ``[set]``: overrides applied to every calibration run (e.g. a smaller city, with a comparison
  of fitted statistics at two sizes in ``docs/CALIBRATION.md``);
* ``[parameters.NAME]``: each free model parameter: its dotted ``key``, a ``transform`` (how
  the calibrated number becomes the key's value), a ``prior`` with its range, and a ``reason``;
* ``[observation.NAME]``: reporting terms of the observation model (a share of over-reporting
  before a statistical revision), with a prior and a reason like any parameter;
* ``[[targets]]``: the record's indicators to fit, the years, how each is compared (levels, or
  relative to a base year), its weight and model discrepancy, and a reason.

Bad input gives one line naming the offending key (:class:`CalibrationError`, exit status 2).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from declineabm.io.observed import Observation
from declineabm.scenario import ScenarioError, config_dir

PRIORS = ("uniform", "loguniform", "normal")
"""Prior families: uniform and log-uniform on ``[low, high]``; normal with ``mean`` and ``sd``,
truncated to ``[low, high]``."""
TRANSFORMS = ("value", "scale", "amplitude")
TRANSITIONS = ("multivariate", "local")
"""How ABC-SMC perturbs the last generation's particles into proposals: ``multivariate``, one
normal kernel of the whole population's weighted covariance (pyabc's
``MultivariateNormalTransition``); ``local``, a kernel per particle from the covariance of its
nearest half of the particles (``LocalTransition``). Either kernel's covariance is multiplied by
``transition_scaling``: a kernel wider than Silverman's rule covers the next generation's
tails, so that no proposal gets an importance weight (prior / kernel density) orders of
magnitude above the others."""
"""How a calibrated number ``x`` sets its key: ``value`` sets it to ``x``; ``scale`` multiplies
the scenario's value (a number, or every value of a time path) by ``x``; ``amplitude`` keeps a
time path's first value ``v0`` and sets every value ``v`` to ``v0 + x (v - v0)`` (0 flattens the
path, 1 keeps it, 2 doubles its swings)."""


class CalibrationError(ScenarioError):
    """A calibration file or option is invalid; the message is one line."""


@dataclass(frozen=True)
class Prior:
    """A prior distribution on one calibrated number."""

    family: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None

    def scipy(self) -> tuple[str, tuple[float, ...]]:
        """The scipy.stats name and arguments of the distribution (what pyabc's RV takes)."""
        if self.family == "uniform":
            return "uniform", (self.low, self.high - self.low)
        if self.family == "loguniform":
            return "loguniform", (self.low, self.high)
        assert self.mean is not None and self.sd is not None
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return "truncnorm", (a, b, self.mean, self.sd)

    def median(self) -> float:
        """The prior's median."""
        import scipy.stats

        name, args = self.scipy()
        return float(getattr(scipy.stats, name)(*args).median())


@dataclass(frozen=True)
class FreeParameter:
    """A calibrated model parameter."""

    name: str
    key: str
    transform: str
    prior: Prior
    reason: str
    base: str | None = None
    """The scenario whose value of ``key`` a ``scale`` or ``amplitude`` transform applies to.

    Without it, the calibrated scenario's own value; but a shipped calibration writes its
    medians into that scenario, so the next fit would scale the last one's result and its prior
    would drift with every refit. Naming the scenario of the hand-set values fixes the prior to
    what its reason says.
    """


@dataclass(frozen=True)
class ReportingTerm:
    """Over-reporting of an indicator before a statistical revision, fitted with a prior.

    The record's value in ``first_year``..``last_year`` is the true value times ``1 + x``.
    """

    name: str
    indicator: str
    first_year: int
    last_year: int
    prior: Prior
    reason: str

    def covers(self, indicator: str, year: int) -> bool:
        """Whether this term inflates the record's ``indicator`` in ``year``."""
        return indicator == self.indicator and self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class Target:
    """An indicator of the record that the fit compares with.

    Attributes:
        indicator: The model indicator (and the record's ``indicator`` column).
        years: Years to compare (default: every year the record has).
        relative_to: If set, model and record are both divided by their value in this year
            (for a scenario that stands for fewer people than the record counts).
        weight: Weight of each of its observations in the distance.
        discrepancy: Model error as a share of the observed value, added (in quadrature) to
            the record's own half-range: what the model cannot be expected to match.
        reason: Why the target is used so.
    """

    indicator: str
    years: tuple[int, ...] | None
    relative_to: int | None
    weight: float
    discrepancy: float
    reason: str


@dataclass(frozen=True)
class Budget:
    """How much ABC-SMC may do."""

    population: int = 100
    generations: int = 6
    max_simulations: int = 5000
    min_epsilon: float = 0.0
    min_acceptance: float = 0.02
    batch: int = 100
    seed: int = 2010
    quantile: float = 0.5
    transition: str = "multivariate"
    transition_scaling: float = 2.0


@dataclass(frozen=True)
class Calibration:
    """A calibration file, read and checked."""

    path: Path
    description: str
    until: int
    budget: Budget
    overrides: Mapping[str, Any]
    parameters: tuple[FreeParameter, ...]
    reporting: tuple[ReportingTerm, ...]
    targets: tuple[Target, ...]
    forecast_draws: int = 100
    records: tuple[str, ...] = ()
    text: str = field(default="", repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of every calibrated number: model parameters, then reporting terms."""
        return tuple(p.name for p in self.parameters) + tuple(r.name for r in self.reporting)

    @property
    def priors(self) -> dict[str, Prior]:
        """Prior of every calibrated number, by name."""
        numbers: tuple[FreeParameter | ReportingTerm, ...] = (*self.parameters, *self.reporting)
        return {p.name: p.prior for p in numbers}

    def with_until(self, until: int | None) -> Calibration:
        """The same calibration over another window."""
        if until is None:
            return self
        from dataclasses import replace

        return replace(self, until=int(until))


def calibration_path(name: str | os.PathLike[str]) -> Path:
    """A calibration file's path from a path or a name in ``configs/calibration/``."""
    path = Path(name)
    if path.suffix != ".toml" and os.sep not in str(name):
        shipped = config_dir() / "calibration" / f"{name}.toml"
        if shipped.is_file():
            return shipped
        names = ", ".join(sorted(p.stem for p in (config_dir() / "calibration").glob("*.toml")))
        raise CalibrationError(f"calibration '{name}' not found (shipped: {names})")
    if not path.is_file():
        raise CalibrationError(f"calibration file '{name}' not found")
    return path


def load_calibration(name: str | os.PathLike[str]) -> Calibration:
    """Read and check a calibration file (one-line errors naming the key)."""
    path = calibration_path(name)
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path}: not valid TOML: {exc}") from None
    reader = _Reader(path, raw)
    calibration = Calibration(
        path=path,
        description=reader.text("description", raw, default=""),
        until=reader.integer("until", raw, 1900, 2200),
        budget=_budget(reader, raw.get("budget", {})),
        overrides=dict(reader.table("set", raw.get("set", {}))),
        parameters=tuple(
            _parameter(reader, name, entry)
            for name, entry in reader.table("parameters", raw.get("parameters", {})).items()
        ),
        reporting=tuple(
            _reporting(reader, name, entry)
            for name, entry in reader.table("observation", raw.get("observation", {})).items()
        ),
        targets=tuple(
            _target(reader, i, entry) for i, entry in enumerate(raw.get("targets", []), 1)
        ),
        forecast_draws=reader.integer("forecast_draws", raw, 2, 100_000, default=100),
        records=_records(reader, raw.get("records", [])),
        text=text,
    )
    reader.unknown(
        raw,
        {
            "description",
            "until",
            "budget",
            "set",
            "parameters",
            "observation",
            "targets",
            "forecast_draws",
            "records",
        },
        "",
    )
    if not calibration.parameters:
        raise CalibrationError(f"{path}: declares no [parameters.NAME]: nothing to calibrate")
    if not calibration.targets:
        raise CalibrationError(f"{path}: declares no [[targets]]: nothing to fit")
    _check_scales(calibration)
    names = calibration.names
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})[0]
        raise CalibrationError(f"{path}: '{twice}' names a parameter and a reporting term")
    return calibration


SCALE_RATIO = 1e-3
"""The narrowest prior range a calibration accepts, as a share of the widest. pyabc's
multivariate-normal transition takes a direction whose variance is below about 2e-10 of the
largest as singular and gives every proposal off it density 0 (weights become NaN); a number
calibrated on a tiny scale (a Gompertz level of 3e-5 beside a productivity of 2.5) must be
calibrated as a factor on the scenario's value instead (``transform = "scale"``)."""


def _check_scales(calibration: Calibration) -> None:
    spans = {name: prior.high - prior.low for name, prior in calibration.priors.items()}
    widest = max(spans.values(), default=0.0)
    for name, span in spans.items():
        if span < SCALE_RATIO * widest:
            raise CalibrationError(
                f"{calibration.path}: {name}: its prior spans {span:.3g}, less than "
                f"{SCALE_RATIO:g} of the widest ({widest:.3g}); calibrate a factor on the "
                "scenario's value instead (transform = 'scale', a range around 1)"
            )


def check_against(
    calibration: Calibration, record: Sequence[Observation], indicators: Sequence[str]
) -> None:
    """Check that the targets and reporting terms name indicators and years that exist.

    The indicators must be the model's, the years the record's.
    """
    path = calibration.path
    known = set(indicators)
    for number, target in enumerate(calibration.targets, 1):
        where = f"{path}: targets[{number}]"
        if target.indicator not in known:
            raise CalibrationError(
                f"{where}: indicator '{target.indicator}' is not one the model computes"
            )
        years = {o.year for o in record if o.indicator == target.indicator}
        if not years:
            raise CalibrationError(f"{where}: the record has no '{target.indicator}'")
        for year in target.years or ():
            if year not in years:
                raise CalibrationError(
                    f"{where}: the record has no {target.indicator} in {year} "
                    f"(it has {', '.join(map(str, sorted(years)))})"
                )
        if target.relative_to is not None and target.relative_to not in years:
            raise CalibrationError(
                f"{where}: relative_to = {target.relative_to}, a year the record lacks"
            )
    for term in calibration.reporting:
        if term.indicator not in known:
            raise CalibrationError(
                f"{path}: observation.{term.name}.indicator '{term.indicator}' is not one the "
                "model computes"
            )


class _Reader:
    """Typed access to the raw TOML with one-line errors that name the key."""

    def __init__(self, path: Path, raw: Mapping[str, Any]) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> CalibrationError:
        return CalibrationError(f"{self.path}: {key}: {message}")

    def table(self, key: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        return value

    def number(
        self,
        key: str,
        raw: Mapping[str, Any],
        low: float = -math.inf,
        high: float = math.inf,
        default: float | None = None,
        prefix: str = "",
    ) -> float:
        name = f"{prefix}{key}"
        if key not in raw:
            if default is None:
                raise self.fail(name, "missing")
            return default
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"must be a number, not {value!r}")
        if not (low <= value <= high) or not math.isfinite(value):
            raise self.fail(name, f"= {value}: must be from {low:g} to {high:g}")
        return float(value)

    def integer(
        self,
        key: str,
        raw: Mapping[str, Any],
        low: int,
        high: int,
        default: int | None = None,
        prefix: str = "",
    ) -> int:
        name = f"{prefix}{key}"
        if key not in raw:
            if default is None:
                raise self.fail(name, "missing")
            return default
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise self.fail(name, f"= {value}: must be from {low} to {high}")
        return value

    def text(
        self, key: str, raw: Mapping[str, Any], default: str | None = None, prefix: str = ""
    ) -> str:
        name = f"{prefix}{key}"
        if key not in raw:
            if default is None:
                raise self.fail(name, "missing")
            return default
        if not isinstance(raw[key], str):
            raise self.fail(name, f"must be text, not {raw[key]!r}")
        return raw[key]

    def choice(
        self, key: str, raw: Mapping[str, Any], choices: Sequence[str], default: str, prefix: str
    ) -> str:
        value = self.text(key, raw, default, prefix)
        if value not in choices:
            raise self.fail(
                f"{prefix}{key}", f"'{value}' unknown (choose from {', '.join(choices)})"
            )
        return value

    def unknown(self, raw: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
        extra = sorted(set(raw) - allowed)
        if extra:
            import difflib

            hint = difflib.get_close_matches(extra[0], sorted(allowed), n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise self.fail(
                f"{prefix}{extra[0]}",
                f"unknown key (allowed: {', '.join(sorted(allowed))}){suggestion}",
            )


def _records(reader: _Reader, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(r, str) and r for r in raw):
        raise reader.fail("records", "must be a list of record files (names in data/ or paths)")
    return tuple(raw)


def _budget(reader: _Reader, raw: Any) -> Budget:
    raw = reader.table("budget", raw)
    p = "budget."
    defaults = Budget()
    budget = Budget(
        population=reader.integer("population", raw, 2, 100_000, defaults.population, p),
        generations=reader.integer("generations", raw, 1, 1000, defaults.generations, p),
        max_simulations=reader.integer(
            "max_simulations", raw, 1, 10**9, defaults.max_simulations, p
        ),
        min_epsilon=reader.number("min_epsilon", raw, 0.0, math.inf, defaults.min_epsilon, p),
        min_acceptance=reader.number("min_acceptance", raw, 0.0, 1.0, defaults.min_acceptance, p),
        batch=reader.integer("batch", raw, 1, 100_000, defaults.batch, p),
        seed=reader.integer("seed", raw, 0, 2**63 - 1, defaults.seed, p),
        quantile=reader.number("quantile", raw, 0.01, 0.99, defaults.quantile, p),
        transition=reader.choice("transition", raw, TRANSITIONS, defaults.transition, p),
        transition_scaling=reader.number(
            "transition_scaling", raw, 0.1, 10.0, defaults.transition_scaling, p
        ),
    )
    reader.unknown(raw, set(Budget.__dataclass_fields__), p)
    return budget


def _prior(reader: _Reader, raw: Mapping[str, Any], prefix: str) -> Prior:
    family = reader.choice("prior", raw, PRIORS, "uniform", prefix)
    low = reader.number("low", raw, prefix=prefix)
    high = reader.number("high", raw, prefix=prefix)
    if not low < high:
        raise reader.fail(f"{prefix}high", f"= {high:g}: must be above low ({low:g})")
    if family == "loguniform" and low <= 0:
        raise reader.fail(f"{prefix}low", f"= {low:g}: a log-uniform prior needs low > 0")
    if family == "normal":
        mean = reader.number("mean", raw, low, high, prefix=prefix)
        sd = reader.number("sd", raw, 0.0, math.inf, prefix=prefix)
        if sd <= 0:
            raise reader.fail(f"{prefix}sd", "must be above 0")
        return Prior(family, low, high, mean, sd)
    for key in ("mean", "sd"):
        if key in raw:
            raise reader.fail(f"{prefix}{key}", f"only a normal prior has a {key}")
    return Prior(family, low, high)


def _reason(reader: _Reader, raw: Mapping[str, Any], prefix: str) -> str:
    reason = reader.text("reason", raw, prefix=prefix).strip()
    if not reason:
        raise reader.fail(f"{prefix}reason", "must say why (a prior without a reason is a guess)")
    return reason


def _parameter(reader: _Reader, name: str, raw: Any) -> FreeParameter:
    prefix = f"parameters.{name}."
    raw = reader.table(prefix[:-1], raw)
    reader.unknown(
        raw, {"key", "transform", "base", "prior", "low", "high", "mean", "sd", "reason"}, prefix
    )
    transform = reader.choice("transform", raw, TRANSFORMS, "value", prefix)
    return FreeParameter(
        name=name,
        key=reader.text("key", raw, prefix=prefix),
        transform=transform,
        prior=_prior(reader, raw, prefix),
        reason=_reason(reader, raw, prefix),
        base=_base(reader, raw, transform, prefix),
    )


def _base(reader: _Reader, raw: Mapping[str, Any], transform: str, prefix: str) -> str | None:
    """The optional scenario a scale or amplitude applies to (its name, resolved at the check)."""
    if "base" not in raw:
        return None
    if transform == "value":
        raise reader.fail(f"{prefix}base", "only a 'scale' or 'amplitude' transform has a base")
    return reader.text("base", raw, prefix=prefix)


def _reporting(reader: _Reader, name: str, raw: Any) -> ReportingTerm:
    prefix = f"observation.{name}."
    raw = reader.table(prefix[:-1], raw)
    reader.unknown(
        raw, {"indicator", "years", "prior", "low", "high", "mean", "sd", "reason"}, prefix
    )
    years = raw.get("years")
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        or years[0] > years[1]
    ):
        raise reader.fail(f"{prefix}years", "must be [first_year, last_year]")
    prior = _prior(reader, raw, prefix)
    if prior.low <= -1:
        raise reader.fail(f"{prefix}low", "over-reporting must stay above -1 (a share)")
    return ReportingTerm(
        name=name,
        indicator=reader.text("indicator", raw, prefix=prefix),
        first_year=years[0],
        last_year=years[1],
        prior=prior,
        reason=_reason(reader, raw, prefix),
    )


def _target(reader: _Reader, number: int, raw: Any) -> Target:
    prefix = f"targets[{number}]."
    raw = reader.table(prefix[:-1], raw)
    reader.unknown(
        raw, {"indicator", "years", "relative_to", "weight", "discrepancy", "reason"}, prefix
    )
    years = raw.get("years")
    if years is not None and (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        raise reader.fail(f"{prefix}years", "must be a list of years")
    relative_to = raw.get("relative_to")
    if relative_to is not None:
        relative_to = reader.integer("relative_to", raw, 1900, 2200, prefix=prefix)
    return Target(
        indicator=reader.text("indicator", raw, prefix=prefix),
        years=tuple(years) if years is not None else None,
        relative_to=relative_to,
        weight=reader.number("weight", raw, 0.0, math.inf, 1.0, prefix),
        discrepancy=reader.number("discrepancy", raw, 0.0, 10.0, 0.0, prefix),
        reason=_reason(reader, raw, prefix),
    )
