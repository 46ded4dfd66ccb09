"""Universal Scalability Law fit (Gunther): X(N) = λN / (1 + σ(N−1) + κN(N−1)).

σ is contention (serialisation), κ coherency (crosstalk). With κ > 0
throughput peaks at N* = sqrt((1−σ)/κ) and falls after; with κ ≈ 0 there is
no peak within reach. Fitted by least squares on the linearised form
N/C(N) − 1 = σ(N−1) + κN(N−1), with C(N) = X(N)/λ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KAPPA_EPS = 1e-7


@dataclass(frozen=True)
class USLFit:
    sigma: float
    kappa: float
    lam: float  # throughput of one user
    peak_concurrency: float | None  # None: no peak (κ ≈ 0)
    peak_throughput: float

    def throughput(self, n: float) -> float:
        return self.lam * n / (1 + self.sigma * (n - 1) + self.kappa * n * (n - 1))


def fit_usl(points: list[tuple[float, float]]) -> USLFit | None:
    """``points`` are (concurrency, throughput). Needs 3 or more distinct concurrencies."""
    pts = sorted((n, x) for n, x in points if n >= 1 and x > 0)
    if len({n for n, _ in pts}) < 3:
        return None
    n1, x1 = pts[0]
    lam = x1 / n1 if n1 > 1 else x1  # the lowest step stands in for one user when 1 was not measured
    rows = [(n - 1, n * (n - 1), n / (x / lam) - 1) for n, x in pts]
    saa = sum(a * a for a, _, _ in rows)
    sab = sum(a * b for a, b, _ in rows)
    sbb = sum(b * b for _, b, _ in rows)
    say = sum(a * y for a, _, y in rows)
    sby = sum(b * y for _, b, y in rows)
    det = saa * sbb - sab * sab
    if det > 0:
        sigma = (say * sbb - sby * sab) / det
        kappa = (saa * sby - sab * say) / det
    else:
        sigma, kappa = 0.0, 0.0
    if kappa < 0:
        kappa = 0.0
        sigma = say / saa if saa else 0.0
    if sigma < 0:
        sigma = 0.0
        kappa = max(sby / sbb, 0.0) if sbb else 0.0
    sigma = min(sigma, 1.0)
    if kappa > KAPPA_EPS:
        # σ = 1: no parallelism at all, the peak is one user.
        peak = max(math.sqrt(max(1 - sigma, 0.0) / kappa), 1.0)
        fit = USLFit(sigma, kappa, lam, peak, 0.0)
        return USLFit(sigma, kappa, lam, round(peak, 1), round(fit.throughput(peak), 1))
    asymptote = lam / sigma if sigma > 0 else math.inf
    return USLFit(sigma, 0.0, lam, None, round(asymptote, 1) if math.isfinite(asymptote) else math.inf)
