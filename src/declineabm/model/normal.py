"""The standard normal distribution function, to the bit as SciPy computes it, without SciPy.

The model asks what share of a cohort is skilled: the normal distribution function of its mean
skill's distance from the threshold (:func:`~declineabm.model.indicators.expected_skilled_share`,
:meth:`~declineabm.model.rest_of_china.RestOfChina.skilled_share`). It used
``scipy.special.ndtr``, and importing ``scipy.special`` is about 0.2 s of CPU (SciPy's
array-API layer imports ``numpy.testing`` and ``numpy.f2py``), a sixth of a whole default
``declineabm run``.

``scipy.special.ndtr`` is Cephes' ``ndtr`` (S. L. Moshier's Cephes Math Library, as SciPy's
``xsf`` carries it): the error function and its complement by rational approximations, one
double at a time, with the C library's ``exp``. :func:`ndtr` is the same algorithm with the same
constants and the same order of operations, in Python floats (IEEE doubles) with ``math.exp``
(the C library's), so it gives the same bits: ``tests/test_fast_paths.py`` compares the two over
a few million values, special ones included. (numpy's own ``exp`` differs from the C library's
in the last bit for some inputs, so a vectorised copy would not.) It works one value at a time:
callers pass one value per cohort, not per person.
"""

from __future__ import annotations

import math

import numpy as np

_SQRT1_2 = 0.7071067811865476  # 1/sqrt(2), the double nearest
_MAXLOG = 7.097827128933839730962063185871e2  # log of the largest double

# Cephes' coefficients, highest power first (p1evl's leading 1 is left out, as there).
_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_Q = (
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)
_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_S = (
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)
_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_U = (
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)


def _horner(x: float, first: float, rest: tuple[float, ...]) -> float:
    value = first
    for coefficient in rest:
        value = value * x + coefficient
    return value


def _erf(x: float) -> float:
    if x < 0.0:
        return -_erf(-x)
    if x > 1.0:
        return 1.0 - _erfc(x)
    z = x * x
    return x * _horner(z, _T[0], _T[1:]) / _horner(z, z + _U[0], _U[1:])


def _erfc(a: float) -> float:
    x = -a if a < 0.0 else a
    if x < 1.0:
        return 1.0 - _erf(a)
    z = -a * a
    y = 0.0
    if z >= -_MAXLOG:
        e = math.exp(z)
        if x < 8.0:
            p, q = _horner(x, _P[0], _P[1:]), _horner(x, x + _Q[0], _Q[1:])
        else:
            p, q = _horner(x, _R[0], _R[1:]), _horner(x, x + _S[0], _S[1:])
        y = (e * p) / q
        if a < 0.0:
            y = 2.0 - y
    if y != 0.0:
        return y
    return 2.0 if a < 0.0 else 0.0  # underflow


def normal_cdf(a: float) -> float:
    """The standard normal distribution function at ``a`` (``scipy.special.ndtr``'s bits)."""
    if math.isnan(a):
        return math.nan
    x = a * _SQRT1_2
    z = abs(x)
    if z < 1.0:
        return 0.5 + 0.5 * _erf(x)
    y = 0.5 * _erfc(z)
    return 1.0 - y if x > 0.0 else y


def ndtr(values: np.ndarray) -> np.ndarray:
    """:func:`normal_cdf` of every value, in their dtype (float32 computed as double, as SciPy)."""
    values = np.asarray(values)
    dtype = values.dtype if values.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    flat = [normal_cdf(v) for v in values.ravel().astype(np.float64).tolist()]
    return np.array(flat, dtype=np.float64).astype(dtype).reshape(values.shape)
