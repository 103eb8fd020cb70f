"""Shared checks for the discrete tests: chi-square goodness of fit and exact
(high-precision) log masses to judge accuracy where scipy itself is not exact."""

from __future__ import annotations

from decimal import Decimal, getcontext

import numpy as np
import scipy.stats

getcontext().prec = 50
_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494")


def chisquare_counts(observed, probs, min_expected=5.0) -> float:
    """Chi-square p-value of `observed` counts against cell `probs`; adjacent cells
    are merged until each expects at least `min_expected` draws."""
    observed = np.asarray(observed, dtype=float)
    probs = np.asarray(probs, dtype=float)
    n = observed.sum()
    merged_obs, merged_exp = [], []
    acc_o = acc_e = 0.0
    for o, p in zip(observed, probs):
        acc_o += o
        acc_e += p * n
        if acc_e >= min_expected:
            merged_obs.append(acc_o)
            merged_exp.append(acc_e)
            acc_o = acc_e = 0.0
    if merged_obs:  # the remainder joins the last cell
        merged_obs[-1] += acc_o
        merged_exp[-1] += acc_e
    assert len(merged_obs) >= 2, "too few cells for a chi-square test"
    merged_exp = np.asarray(merged_exp)
    merged_exp *= n / merged_exp.sum()
    return scipy.stats.chisquare(merged_obs, merged_exp).pvalue


def chisquare_frozen(samples, frozen, nbins=20) -> float:
    """Chi-square p-value of integer `samples` against a frozen scipy distribution,
    with cells between its quantiles (so any support size works)."""
    samples = np.asarray(samples).ravel()
    edges = np.unique(frozen.ppf(np.linspace(0, 1, nbins + 1)[1:-1]))
    cdf = frozen.cdf(edges)
    probs = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    cells = np.searchsorted(edges, samples, side="left")  # (e_{j-1}, e_j] -> j
    observed = np.bincount(cells, minlength=len(edges) + 1)
    return chisquare_counts(observed, probs)


def log_factorial(n: int) -> Decimal:
    """`log(n!)` to about 40 digits."""
    if n < 60:
        total = Decimal(0)
        for i in range(2, n + 1):
            total += Decimal(i).ln()
        return total
    x = Decimal(n)
    return (
        (x + Decimal("0.5")) * x.ln()
        - x
        + (2 * _PI).ln() / 2
        + 1 / (12 * x)
        - 1 / (360 * x**3)
        + 1 / (1260 * x**5)
        - 1 / (1680 * x**7)
    )


def exact_binomial_logpmf(k: int, n: int, p: float) -> float:
    """Binomial log mass at the exact binary value of `p` (0 < p < 1)."""
    p = Decimal(p)
    return float(
        log_factorial(n)
        - log_factorial(k)
        - log_factorial(n - k)
        + k * p.ln()
        + (n - k) * (1 - p).ln()
    )


def exact_poisson_logpmf(k: int, rate: float) -> float:
    """Poisson log mass at the exact binary value of `rate`."""
    rate = Decimal(rate)
    return float(k * rate.ln() - rate - log_factorial(k))
