"""k6 results: the summary (``--summary-export summary.json`` or ``handleSummary``'s JSON) or the
per-request stream (``--out json=results.ndjson``), detected from the file.

The stream gives every request's duration, status and name: exact histograms, per endpoint, and ramp
steps from the ``vus`` samples (a ``stages`` profile). The summary holds aggregates only: one endpoint,
the trend statistics k6 was asked for (p99 only with ``--summary-trend-stats`` including ``p(99)``),
successful requests only when k6 kept ``http_req_duration{expected_response:true}``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from pathlib import Path
from typing import Any, TypeGuard

from perfscore.imports.base import EARLIEST_MS, LATEST_MS, MAX_ELAPSED_MS, Imported, Progress, bad, check_file, lines
from perfscore.imports.samples import Accumulator
from perfscore.loadmodel import EndpointResult, LoadResult, Percentiles
from perfscore.yamlfile import read_json

WHAT = "k6 results"
_FRACTION = re.compile(r"(\.\d{6})\d+")


def read(paths: list[Path], progress: Progress | None = None, since_ms: float | None = None) -> Imported:
    if len(paths) != 1:
        raise bad(paths[-1], None, "give one k6 file (summary JSON or --out json NDJSON)")
    path = paths[0]
    check_file(path, WHAT)
    with path.open("rb") as fh:
        first = fh.readline(1024 * 1024)
    try:
        doc = json.loads(first)
        stream = isinstance(doc, dict) and doc.get("type") in ("Metric", "Point")
    except ValueError:
        stream = False
    except RecursionError:
        stream = True  # one line nested too deep: the stream reader says which line
    return _stream(path, progress, since_ms) if stream else _summary(path)


def _time(path: Path, line: int, text: Any) -> float:
    if not isinstance(text, str):
        raise bad(path, line, "a Point without its time")
    try:
        when = datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00"))).timestamp()
    except (ValueError, OverflowError, OSError):
        raise bad(path, line, f"time {text[:40]!r} is not an ISO 8601 time stamp") from None
    if not EARLIEST_MS <= when * 1000 <= LATEST_MS:
        raise bad(path, line, f"time {text[:40]!r} is not between 2000 and 2100")
    return when


def _stream(path: Path, progress: Progress | None, since_ms: float | None = None) -> Imported:
    acc = Accumulator(f"k6 --out json {path.name}", since_ms)
    vus: int | None = None
    targets: dict[str, int] = {}
    for n, line in lines(path, WHAT, progress):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            raise bad(path, n, "not a JSON line (truncated?)") from None
        except RecursionError:
            raise bad(path, n, "nested too deeply to read") from None
        if not isinstance(rec, dict) or rec.get("type") not in ("Metric", "Point"):
            raise bad(path, n, "not a k6 Metric or Point line")
        if rec["type"] != "Point":
            continue
        metric, data = rec.get("metric"), rec.get("data")
        if not isinstance(data, dict):
            raise bad(path, n, "a Point without data")
        value = data.get("value")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 1e15:
            raise bad(path, n, f"{metric} value {str(value)[:30]!r} is not a non-negative number")
        if metric == "http_req_duration" and value > MAX_ELAPSED_MS:
            raise bad(path, n, f"http_req_duration {value:.0f} ms is longer than a day")
        if metric == "vus":
            vus = int(value)
        elif metric == "data_received":
            acc.bytes += int(value)
        elif metric == "http_req_duration":
            raw_tags = data.get("tags")
            tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
            status = str(tags.get("status", ""))
            expected = tags.get("expected_response")
            ok = expected == "true" if expected is not None else status[:1] in ("2", "3")
            end = _time(path, n, data.get("time"))
            name = str(tags.get("name") or tags.get("url") or "(unnamed)")
            if name.startswith(("http://", "https://")) and len(targets) < 20:
                host = "/".join(name.split("/", 3)[:3])
                targets[host] = targets.get(host, 0) + 1
            acc.add(
                f"{tags.get('method', 'GET')} {name}",
                end * 1000 - value,
                value,
                ok,
                "" if status == "0" else status,  # status 0: no HTTP answer
                0,
                vus,
            )
    if acc.count == 0:
        raise bad(path, None, "holds no http_req_duration points")
    target = max(targets, key=lambda t: targets[t]) if targets else "k6 script"
    return Imported(
        tool="k6",
        files=[str(path)],
        load=acc.result(target, acc.notes()),
        steps=acc.steps(),
        started_at=acc.first_ms / 1000,
        ended_at=acc.last_ms / 1000,
    )


def _finite(v: Any) -> TypeGuard[float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _values(metrics: dict[str, Any], name: str) -> dict[str, Any] | None:
    m = metrics.get(name)
    if not isinstance(m, dict):
        return None
    values = m.get("values", m)  # handleSummary nests them; --summary-export does not
    return values if isinstance(values, dict) else None


def _ms(path: Path, trend: dict[str, Any], key: str, required: bool = True) -> float | None:
    v = trend.get(key)
    if v is None and not required:
        return None
    if not _finite(v) or not v >= 0:
        raise bad(path, None, f"http_req_duration {key} {str(v)[:30]!r} is missing or not a number")
    return round(float(v), 3)


def _summary(path: Path) -> Imported:
    doc = read_json(path, WHAT, " (a k6 --summary-export file or --out json stream)")
    metrics = doc.get("metrics") if isinstance(doc, dict) else None
    if not isinstance(metrics, dict) or "http_reqs" not in metrics:
        raise bad(path, None, "not a k6 summary (no metrics.http_reqs): export it with --summary-export")
    reqs = _values(metrics, "http_reqs") or {}
    count, rate = reqs.get("count"), reqs.get("rate")
    if (
        not isinstance(count, int) or isinstance(count, bool) or not 0 <= count < 10**15
        or not _finite(rate) or not rate >= 0
    ):  # fmt: skip
        raise bad(path, None, "http_reqs has no count and rate (non-negative numbers)")
    failed = _values(metrics, "http_req_failed")
    if failed is None:  # k6 before 0.31 counted no failed requests: an error rate of 0 would be made up
        raise bad(path, None, "no http_req_failed metric (k6 0.31 or newer writes it): the error rate is unknown")
    # A Rate's "passes" are its true samples: for http_req_failed, the failed requests.
    errors = failed.get("passes", 0)
    if not isinstance(errors, int) or not 0 <= errors <= count:
        raise bad(path, None, f"http_req_failed passes {str(errors)[:20]!r} is not a count of at most {count}")
    notes = []
    trend = _values(metrics, "http_req_duration{expected_response:true}")
    if trend is None:
        trend = _values(metrics, "http_req_duration")
        if errors:
            notes.append("the k6 summary's percentiles include failed requests (no expected_response submetric)")
    if trend is None:
        raise bad(path, None, "no http_req_duration trend")
    lat = Percentiles(
        mean=_ms(path, trend, "avg") or 0.0,
        p50=_ms(path, trend, "med") or 0.0,
        p90=_ms(path, trend, "p(90)") or 0.0,
        p95=_ms(path, trend, "p(95)") or 0.0,
        p99=_ms(path, trend, "p(99)", required=False),
        p999=_ms(path, trend, "p(99.9)", required=False),
        max=_ms(path, trend, "max") or 0.0,
    )
    state = doc.get("state") if isinstance(doc.get("state"), dict) else {}
    run_ms = state.get("testRunDurationMs")
    duration = float(run_ms) / 1000 if _finite(run_ms) and 0 < run_ms < 1e12 else (count / rate if rate else 0)
    vus = _values(metrics, "vus_max") or {}
    vus_max = vus.get("max") or vus.get("value") or 1
    vus_max = vus_max if _finite(vus_max) and 1 <= vus_max < 10**7 else 1
    received = (_values(metrics, "data_received") or {}).get("count", 0)
    received = received if _finite(received) and 0 <= received < 1e18 else 0
    label = "(all requests)"
    load = LoadResult(
        target="k6 script",
        model="closed",
        connections=max(1, int(vus_max)) if isinstance(vus_max, int | float) else 1,
        rate=None,
        duration_s=round(duration, 3),
        requests=count,
        errors=errors,
        error_rate=errors / count if count else 1.0,
        rps=round(float(rate), 1),
        latency_ms=lat if count > errors else None,
        status_counts={},
        timeouts=0,
        connect_errors=0,
        resets=0,
        dropped=0,
        bytes_read=int(received) if isinstance(received, int | float) and received >= 0 else 0,
        endpoints={
            label: EndpointResult(
                requests=count, errors=errors, latency_ms=lat if count > errors else None, status_counts={}
            )
        },
        generator=None,
        source=f"k6 summary {path.name}",
        valid=True,
        notes=[*notes, "a k6 summary holds aggregates only: no per-endpoint figures, no status codes, no steps"],
    )
    return Imported(tool="k6", files=[str(path)], load=load)
