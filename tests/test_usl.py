from __future__ import annotations

import pytest

from perfscore.usl import USLFit, fit_usl


@pytest.mark.parametrize(("sigma", "kappa"), [(0.05, 0.001), (0.2, 0.0005), (0.02, 0.0)])
def test_fit_recovers_known_parameters(sigma: float, kappa: float) -> None:
    truth = USLFit(sigma, kappa, 100.0, None, 0.0)
    points = [(n, truth.throughput(n)) for n in (1, 2, 4, 8, 16, 32, 64)]
    fit = fit_usl(points)
    assert fit is not None
    assert fit.sigma == pytest.approx(sigma, abs=1e-6)
    assert fit.kappa == pytest.approx(kappa, abs=1e-7)
    if kappa > 0:
        assert fit.peak_concurrency == pytest.approx(((1 - sigma) / kappa) ** 0.5, rel=1e-3)
    else:
        assert fit.peak_concurrency is None


def test_too_few_points() -> None:
    assert fit_usl([(1, 10.0), (2, 19.0)]) is None


def test_flat_throughput_does_not_divide_by_zero() -> None:
    # A single worker: throughput does not grow with users (seen with fpm_workers=1).
    fit = fit_usl([(1, 52.0), (4, 48.7), (16, 50.7), (64, 52.0)])
    assert fit is not None
    assert fit.peak_concurrency is None or fit.peak_concurrency >= 1
    assert fit.peak_throughput == pytest.approx(52.0, rel=0.1)


def test_contention_only_and_retrograde() -> None:
    fit = fit_usl([(1, 100.0), (2, 100.0), (4, 60.0), (8, 30.0)])
    assert fit is not None and fit.peak_concurrency is not None and fit.peak_concurrency >= 1
