"""The numpy floor of a model step: what the step would cost if only its array work remained.

``python -m benchmarks.floor --agents 300000`` builds two identical decline models (same
scenario, same seed) and steps them in lockstep: one plainly, timed as a whole, and its twin
under a tracer that records every numpy operation the step performs and replays them back to
back, with no Python between them but the replay loop. The floor of a step is the replay's
time; ``step / floor`` says how much the step spends beyond its array work (Python between the
operations, Mesa's per-agent bookkeeping, garbage collection). At the end the two models must
hold the same indicators, which checks that the tracer changed nothing.

The tracer is derived from instrumentation, not from a list of the model's operations, so it
follows whatever the step does:

* every numpy array the model holds (found by walking its attributes: the agents' columns,
  the grid's property layers, the sectors' arrays, ...) is swapped for a view of a traced
  ndarray subclass for the traced step, and every array computed from one is traced too
  (``__array_ufunc__``, ``__array_function__``, indexing and the array methods);
* every random generator the model holds is wrapped, so each draw is recorded (and replayed
  on a generator of the same kind, leaving the model's streams alone) and its result traced;
  numpy's array constructors (``np.zeros``, ``np.arange``, ...) are wrapped likewise;
* operations on Python objects (object arrays, ``tolist``) feed per-agent Python work and are
  not replayed; the array work done for Mesa's bookkeeping (operations called from
  :data:`BOOKKEEPING`) is replayed apart (``bookkeeping_s``): it is not the step's own work but
  the price of keeping every agent a Mesa agent.

Operations are replayed in chunks (whenever the recorded ones hold :data:`CHUNK_BYTES`, and at
the end), each chunk timed as a whole; an operation that writes into an array (an assignment,
``out=``, ``ufunc.at``, ``sort``) is replayed on a copy, made before the timing starts. The
floor counts numpy's per-call overhead: it is the floor of the same step written in numpy, not
in C. Times are the CPU time of the process (``time.process_time``: robust to other processes
on a shared machine). The plain and the traced step alternate, so a burst of load hits both
alike; the figures are medians over the steps.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

CLOCK = time.process_time  # CPU time: robust to other processes on a shared machine


ARRAY_METHODS = (
    "all", "any", "argmax", "argmin", "argsort", "astype", "clip", "copy", "cumsum", "fill",
    "flatten", "max", "mean", "min", "nonzero", "prod", "ravel", "repeat", "reshape", "round",
    "searchsorted", "sort", "std", "sum", "take", "tolist", "item",
)  # fmt: skip
IN_PLACE_METHODS = ("fill", "sort")
CONSTRUCTORS = (
    "arange", "array", "asarray", "ascontiguousarray", "empty", "full", "fromiter", "ones",
    "zeros",
)  # fmt: skip
MAX_WALK = 64  # containers longer than this (the agents, the cells) hold no model arrays
CHUNK_BYTES = 256 * 2**20  # replay the recorded operations whenever they hold this much
BOOKKEEPING = ("declineabm.model.mesa_adapter", "declineabm.model.agents")
"""Modules whose array work is Mesa's bookkeeping, not the model's rules (the second one held
the batches before the adapter existed): it is replayed apart, as ``bookkeeping_s``."""


@dataclasses.dataclass
class Operation:
    """One recorded numpy call: what to call, its arguments, which of them it writes into."""

    call: Callable
    args: tuple
    kwargs: dict
    writes: tuple[int | str, ...]  # positions (or the keyword ``out``) of arrays written

    def prepared(self) -> tuple[tuple, dict]:
        """Arguments for a replay: every array the call writes into is a scratch copy."""
        args, kwargs = list(self.args), dict(self.kwargs)
        for place in self.writes:
            if place == "out":
                out = kwargs["out"]
                copies = tuple(o.copy() for o in out) if isinstance(out, tuple) else out.copy()
                kwargs["out"] = copies
            else:
                args[place] = args[place].copy()
        return tuple(args), kwargs


class Ledger:
    """The numpy operations of a traced step, replayed back to back in chunks and timed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.pending: dict[str, list[Operation]] = {"floor": [], "bookkeeping": []}
        self.pending_bytes = 0
        self.inside = False  # inside a traced operation
        self.scratch = np.random.default_rng(0)  # replayed draws leave the model's streams be

    def record(self, kind: str, call: Callable, args: tuple, kwargs: dict, result: Any) -> None:
        """Keep one operation for the replay; operations on Python objects are not replayed."""
        values = (*args, *kwargs.values(), result)
        if any(isinstance(v, np.ndarray) and v.dtype == object for v in values) or kind == "tolist":
            self.calls["objects"] += 1
            return
        account = "bookkeeping" if _in_bookkeeping() else "floor"
        if kind == "draw":  # the same draw from a generator of the same kind
            call = getattr(self.scratch, call.__name__)
        self.pending[account].append(Operation(call, args, kwargs, _writes(kind, call, kwargs)))
        self.calls[kind] += 1
        self.pending_bytes += sum(v.nbytes for v in values if isinstance(v, np.ndarray))
        if self.pending_bytes > CHUNK_BYTES:
            self.replay()

    def replay(self) -> None:
        """Replay the pending operations, each account in one timed run, and forget them."""
        enabled, self.inside = gc.isenabled(), True  # replayed calls are not recorded again
        gc.disable()
        try:
            for account, operations in self.pending.items():
                prepared = [(op.call, *op.prepared()) for op in operations]
                start = CLOCK()
                for call, args, kwargs in prepared:
                    call(*args, **kwargs)
                self.seconds[account] += CLOCK() - start
                operations.clear()
        finally:
            self.inside = False
            if enabled:
                gc.enable()
        self.pending_bytes = 0

    @property
    def floor(self) -> float:
        """Seconds of the rules' array work, replayed (not Mesa's bookkeeping's)."""
        self.replay()
        return self.seconds["floor"]


def _writes(kind: str, call: Callable, kwargs: dict) -> tuple[int | str, ...]:
    """Which arguments an operation writes into (the replay gives it copies of them)."""
    places: list[int | str] = ["out"] if kwargs.get("out") is not None else []
    name = getattr(call, "__name__", "")
    ufunc_at = kind.startswith("ufunc.") and name == "at"
    if name == "__setitem__" or ufunc_at or name in IN_PLACE_METHODS:
        places.append(0)
    return tuple(places)


def _in_bookkeeping() -> bool:
    frame = sys._getframe(3)
    while frame is not None:
        if frame.f_globals.get("__name__") in BOOKKEEPING:
            return True
        frame = frame.f_back
    return False


LEDGER = Ledger()


def _plain(value: Any) -> Any:
    """``value`` with every traced array replaced by a plain view of it (in tuples and dicts)."""
    if isinstance(value, Traced):
        return np.ndarray.view(value, np.ndarray)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _traced(value: Any) -> Any:
    """``value`` with every plain array replaced by a traced view of it."""
    if type(value) is np.ndarray:
        return value.view(Traced)
    if isinstance(value, tuple):
        return tuple(_traced(v) for v in value)
    return value


def _timed(kind: str, call: Callable, args: tuple, kwargs: dict) -> Any:
    plain_args, plain_kwargs = _plain(args), _plain(kwargs)
    if LEDGER.inside:  # numpy calling its own constructors inside a traced operation
        return call(*plain_args, **plain_kwargs)
    LEDGER.inside = True
    try:
        result = call(*plain_args, **plain_kwargs)
    finally:
        LEDGER.inside = False
    LEDGER.record(kind, call, plain_args, plain_kwargs, result)
    return _traced(result)


class Traced(np.ndarray):
    """An ndarray whose every operation is timed into :data:`LEDGER`."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _timed(f"ufunc.{method}", getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        kind = func.__name__
        kind = kind if kind in ("argsort", "sort", "searchsorted", "bincount") else "function"
        return _timed(kind, func, args, kwargs)

    def __getitem__(self, key):
        return _timed("index", np.ndarray.__getitem__, (self, key), {})

    def __setitem__(self, key, value):
        _timed("index", np.ndarray.__setitem__, (self, key, value), {})

    def __iter__(self):  # iterating an array element by element is Python work
        return iter(np.ndarray.view(self, np.ndarray))


def _method(name: str) -> Callable:
    base = getattr(np.ndarray, name)
    kind = name if name in ("argsort", "sort", "searchsorted", "tolist") else "method"

    def method(self, *args, **kwargs):
        return _timed(kind, base, (self, *args), kwargs)

    method.__name__ = name
    return method


for _name in ARRAY_METHODS:
    setattr(Traced, _name, _method(_name))


class TracedGenerator:
    """A numpy Generator whose every draw is timed and traced."""

    def __init__(self, generator: np.random.Generator) -> None:
        self._generator = generator

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._generator, name)
        if not callable(attribute):
            return attribute

        def draw(*args, **kwargs):
            return _timed("draw", attribute, args, kwargs)

        return draw


@dataclasses.dataclass
class Swap:
    """One attribute (or item) of the model's graph replaced for the traced step."""

    holder: Any
    key: Any
    is_item: bool

    def get(self) -> Any:
        """The value there now."""
        return self.holder[self.key] if self.is_item else getattr(self.holder, self.key)

    def set(self, value: Any) -> None:
        """Put ``value`` there."""
        if self.is_item:
            self.holder[self.key] = value
        else:
            object.__setattr__(self.holder, self.key, value)


def _places(root: Any, depth: int = 5) -> Iterator[Swap]:
    """Every attribute or item under ``root`` holding an array or a random generator."""
    seen: set[int] = set()

    def walk(obj: Any, level: int) -> Iterator[Swap]:
        if id(obj) in seen or level > depth:
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            if len(obj) > MAX_WALK:
                return
            entries = [(k, v, True) for k, v in obj.items()]
        elif isinstance(obj, list):
            if len(obj) > MAX_WALK:
                return
            entries = [(i, v, True) for i, v in enumerate(obj)]
        elif isinstance(obj, tuple):
            if len(obj) <= MAX_WALK:
                for value in obj:  # arrays in a tuple cannot be swapped; look inside objects
                    if not isinstance(value, np.ndarray):
                        yield from walk(value, level + 1)
            return
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            entries = [(k, v, False) for k, v in vars(obj).items()]
        else:
            return
        for key, value, is_item in entries:
            array = isinstance(value, np.ndarray) and value.dtype != object
            if array or isinstance(value, np.random.Generator):
                yield Swap(obj, key, is_item)
            elif not isinstance(value, str | bytes | int | float | bool | np.ndarray):
                yield from walk(value, level + 1)

    yield from walk(root, 0)


@contextlib.contextmanager
def tracing(model: Any) -> Iterator[Ledger]:
    """Trace every array operation and draw of ``model`` inside the block."""
    swaps = []
    for swap in _places(model):
        value = swap.get()
        traced = TracedGenerator(value) if isinstance(value, np.random.Generator) else None
        swap.set(traced if traced is not None else value.view(Traced))
        swaps.append((swap, value))
    constructors = {name: getattr(np, name) for name in CONSTRUCTORS}
    for name, function in constructors.items():

        def constructor(*args, _function=function, **kwargs):
            return _timed("create", _function, args, kwargs)

        setattr(np, name, constructor)
    LEDGER.__init__()
    try:
        yield LEDGER
    finally:
        for name, function in constructors.items():
            setattr(np, name, function)
        for swap, original in swaps:
            now = swap.get()
            if isinstance(now, TracedGenerator):
                swap.set(now._generator)
            elif isinstance(now, Traced):
                swap.set(original if now.base is original else now.view(np.ndarray))
        _untrace(model)


def _untrace(model: Any) -> None:
    """Turn any traced array the step stored in the model (a new column, ...) back to plain."""
    for swap in _places(model):
        value = swap.get()
        if isinstance(value, Traced):
            swap.set(np.ndarray.view(value, np.ndarray))


def lockstep(build: Callable[[], Any], steps: int, log=print) -> dict[str, Any]:
    """Step two identical models ``steps`` times: one plainly (timed), one traced (floor)."""
    plain, traced = build(), build()
    plain.step()
    traced.step()
    rows = []
    for _ in range(steps):
        gc.collect()
        start = CLOCK()
        plain.step()
        step_s = CLOCK() - start
        gc.collect()
        with tracing(traced) as ledger:
            traced.step()
        floor = ledger.floor  # replays what is still pending
        rows.append(
            {
                "year": plain.year,
                "step_s": step_s,
                "floor_s": floor,
                "bookkeeping_s": ledger.seconds["bookkeeping"],
                "object_operations": ledger.calls["objects"],
                "operations": sum(ledger.calls.values()),
                "calls": dict(ledger.calls),
            }
        )
        log(
            f"  {plain.year}: step {step_s * 1e3:.1f} ms, floor {ledger.floor * 1e3:.1f} ms "
            f"({rows[-1]['operations']} operations; bookkeeping's array work "
            f"{ledger.seconds['bookkeeping'] * 1e3:.1f} ms), ratio {step_s / ledger.floor:.2f}"
        )
    if plain.indicators != traced.indicators:
        raise RuntimeError("the traced model diverged from its twin: the tracer changed a result")
    step = statistics.median(r["step_s"] for r in rows)
    floor = statistics.median(r["floor_s"] for r in rows)
    return {
        "agents": len(plain.residents) + len(plain.firms),
        "step_s": step,
        "floor_s": floor,
        "ratio": step / floor,
        "bookkeeping_s": statistics.median(r["bookkeeping_s"] for r in rows),
        "steps": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the step, its floor and their ratio at one size as JSON (last line)."""
    from benchmarks.measure import build_decline

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=300_000)
    parser.add_argument("--steps", type=int, default=5, help="steps measured (medians)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = lockstep(lambda: build_decline(args.agents), args.steps, log=log)
    log(
        f"floor at {result['agents']:,} agents: step {result['step_s'] * 1e3:.1f} ms, "
        f"floor {result['floor_s'] * 1e3:.1f} ms, step / floor {result['ratio']:.2f}"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
