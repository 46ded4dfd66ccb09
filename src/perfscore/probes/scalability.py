"""Scalability probe: a stepped concurrency ramp finds the highest throughput meeting the SLO.

Runs after the audit window (it is the heaviest part of an audit). Each step
is a closed-model run; the ramp stops after two steps in a row break the SLO.
A Universal Scalability Law fit projects capacity beyond what was tested.
"""

from __future__ import annotations

import math
from typing import Any

from perfscore.load.usl import fit_usl
from perfscore.probes.base import Probe, ProbeUnavailable
from perfscore.run import Measurement


class ScalabilityProbe(Probe):
    name = "scalability"
    metrics = ("load.max_throughput", "load.max_concurrency")
    after_window = True

    def not_configured(self) -> str | None:
        if not self.ctx.config.target.base_url:
            return "no base_url in the config (or --url flag)"
        if not self.ctx.config.audit.load.scalability:
            return "the scalability ramp is off (audit.load.scalability: false)"
        return None

    def end(self) -> list[Measurement]:
        from perfscore.audit.traffic import load_spec, preflight
        from perfscore.errors import PerfscoreError
        from perfscore.load.engine import run_load

        try:
            preflight(self.ctx.config)
        except PerfscoreError as exc:
            raise ProbeUnavailable(exc.message) from None
        cfg = self.ctx.config.audit.load
        steps: list[dict[str, Any]] = []
        broken = 0
        for c in sorted(set(cfg.ramp)):
            spec = load_spec(self.ctx.config, connections=c, duration_s=cfg.step_s, warmup_s=min(0.5, cfg.step_s))
            try:
                r = run_load(spec)
            except RuntimeError as exc:
                raise ProbeUnavailable(str(exc)) from None
            p95 = r.latency_ms.p95 if r.latency_ms else math.inf
            meets = p95 < cfg.slo_p95_ms and r.error_rate < cfg.slo_error_rate and r.valid
            steps.append(
                {
                    "concurrency": c,
                    "rps": r.rps,
                    "p95_ms": p95 if math.isfinite(p95) else None,
                    "error_rate": round(r.error_rate, 6),
                    "meets_slo": meets,
                    "generator_saturated": r.generator.saturated,
                }
            )
            broken = 0 if meets else broken + 1
            if broken >= 2 or r.error_rate > 0.5:
                break
        good = [s for s in steps if s["meets_slo"]]
        usl = fit_usl([(s["concurrency"], s["rps"]) for s in steps if s["error_rate"] < 0.5])
        usl_doc = None
        if usl is not None:
            usl_doc = {
                "sigma": round(usl.sigma, 6),
                "kappa": round(usl.kappa, 9),
                "lambda": round(usl.lam, 2),
                "peak_concurrency": usl.peak_concurrency,
                "peak_throughput": usl.peak_throughput if math.isfinite(usl.peak_throughput) else None,
                "note": "no peak: coherency cost ≈ 0" if usl.peak_concurrency is None else None,
            }
        slo = f"p95 < {cfg.slo_p95_ms:g} ms and errors < {cfg.slo_error_rate:.2%}"
        best = max(good, key=lambda s: s["rps"]) if good else None
        summary = (
            f"highest throughput meeting {slo}: {best['rps']:,.0f} req/s at {best['concurrency']} users"
            if best
            else f"no step met the SLO ({slo})"
        )
        evidence: dict[str, Any] = {"steps": steps, "slo": slo, "usl": usl_doc, "summary": summary}
        return [
            self.measured("load.max_throughput", float(best["rps"]) if best else 0.0, "req/s", evidence=evidence),
            self.measured(
                "load.max_concurrency",
                float(max(s["concurrency"] for s in good)) if good else 0.0,
                "users",
                evidence=evidence,
            ),
        ]
