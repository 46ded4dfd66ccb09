"""Host audits: this machine's CPU and disk use under the window's traffic, perfscore's own CPU left out.

Only when the app runs on this machine (the process snapshot exists only then):
the CPU of another host says nothing about the app's.
"""

from __future__ import annotations

from perfscore.artifacts.memory import ProcessSnapshot
from perfscore.artifacts.slo import LOANFLOW, SloSnapshot
from perfscore.artifacts.window import HostUsage, WindowSnapshot
from perfscore.audits.base import NotEnoughData, Outcome, Unmeasurable, audit, measured, window_requests

CATEGORY = "scalability"
CPU_BUDGET = 0.70  # seed KPI: CPU usage < 70 %
DISK_BUDGET = 0.60  # seed KPI: disk I/O < 60 %
LOW_RATE = 100.0  # req/s below which background CPU weighs on a projection up to a higher peak
SATURATED = 0.90  # share of all cores busy: the CPU, not the workers, is the bottleneck


MIN_LEFT = 0.2  # the share of the CPU perfscore must leave the stack for its share of it to say anything


def stack_share(busy: float | None, own: float | None) -> float | None:
    """The share of the CPU perfscore left that the rest of this host used (the stack, when it runs here).

    ``busy`` is the share of all cores the machine was busy, ``own`` perfscore's part of it (its load
    generators): a busy generator is never the app's fault. None: not sampled, or perfscore took all but
    MIN_LEFT of it.
    """
    if busy is None:
        return None
    own = own or 0.0
    left = 1.0 - own
    # Under a fifth of the machine left to the stack, the share is noise over a small divisor: not told.
    return None if left < MIN_LEFT else max(0.0, busy - own) / left


def cpu_bound(busy: float | None, own: float | None, where: str) -> str | None:
    """The advice when the app's host ran out of CPU, whatever the workers did; None when it did not: the
    stack must have used ≥ 90 % of what the load generator left (``stack_share``)."""
    share = stack_share(busy, own)
    if share is None or share < SATURATED:
        return None
    own = own or 0.0
    gen = f" (perfscore's load generator used {own:.0%} of all cores)" if own >= 0.01 else ""
    return (
        f"Do not add workers: this host's CPU was {busy:.0%} busy {where}{gen}, so more workers make every "
        "request slower. Cut the CPU each request costs: a page cache or object cache for what every page "
        "computes, OPcache, then the slowest endpoints (see response time); add app servers for more."
    )


MB = 1024 * 1024


def _host(w: WindowSnapshot) -> HostUsage:
    window_requests(w)
    if w.host is None or w.host.wall_s <= 0:
        raise Unmeasurable("this machine was not sampled during the window's traffic (a run from an older perfscore)")
    return w.host


@audit(
    "host.cpu_utilisation",
    title="CPU use at the peak rate (this host)",
    unit="ratio",
    category=CATEGORY,
    description="the host's CPU seconds during the window's traffic less perfscore's own (its load generators), per "
    "request, projected linearly to the SLO's peak rate (slo.peak_rps; LoanFlow's 1,000 req/s by default), as a "
    "share of all cores; the window's own share too",
    source="https://www.brendangregg.com/usemethod.html",
)
def cpu_utilisation(w: WindowSnapshot, m: ProcessSnapshot, slo: SloSnapshot | None) -> Outcome:
    h = _host(w)
    assert w.load is not None
    peak = (slo or LOANFLOW).peak_rps
    stack_cpu = max(0.0, h.busy_cpu_s - h.own_cpu_s)
    busy = stack_cpu / (h.wall_s * h.cores)
    needed = min(LOW_RATE, peak)
    if w.load.rps < needed and busy < CPU_BUDGET:
        # Other work on the host, divided by a low rate and multiplied up to the peak, would swamp the figure;
        # a host already past the budget at a low rate is past it at a higher peak, whatever else ran.
        raise NotEnoughData(f"{w.load.rps:,.0f} req/s in the window, {needed:,.0f} needed to project CPU use")
    if w.load.rps <= 0:
        raise Unmeasurable("the window's traffic completed no request per second")
    per_request_s = stack_cpu / (w.load.rps * h.wall_s)
    projected = per_request_s * peak / h.cores
    return measured(
        round(projected, 4),
        summary=(
            f"at {peak:,.0f} req/s the stack would use {projected:.0%} of this host's {h.cores} cores "
            f"({per_request_s * 1000:.2f} ms of CPU per request at {w.load.rps:,.0f} req/s): cut the CPU per request "
            "(OPcache, caching, profiling the hot path) or add cores"
        )
        if projected > CPU_BUDGET
        else None,
        cpu_ms_per_request=round(per_request_s * 1000, 3),
        window_rps=round(w.load.rps, 1),
        projected_to_rps=peak,
        window_utilisation=round(busy, 4),
        perfscore_utilisation=round(h.own_cpu_s / (h.wall_s * h.cores), 4),
        cores=h.cores,
        processes_cpu_s=m.cpu_s,
        note="linear in the request rate; the database's share counts only when it runs on this host",
    )


@audit(
    "host.disk_io_utilisation",
    title="Disk I/O utilisation (busiest disk, this host)",
    unit="ratio",
    category=CATEGORY,
    description="the busiest disk's busy time (Linux io_ticks) over the window's traffic, with its read and write "
    "rates; loop devices and RAM disks left out",
    source="https://docs.kernel.org/admin-guide/iostats.html",
)
def disk_io_utilisation(w: WindowSnapshot, m: ProcessSnapshot) -> Outcome:
    h = _host(w)
    if not h.disks:
        raise Unmeasurable("the OS reports no per-disk busy time")
    util = {name: min(1.0, d.busy_ms / (h.wall_s * 1000)) for name, d in h.disks.items()}
    order = sorted(util, key=lambda n: (-util[n], n))
    busiest = order[0]
    d = h.disks[busiest]
    rates = f"{d.read_bytes / MB / h.wall_s:,.1f} MB/s read, {d.write_bytes / MB / h.wall_s:,.1f} MB/s written"
    return measured(
        round(util[busiest], 4),
        summary=f"{busiest} was busy {util[busiest]:.0%} of the window ({rates}): move the database's data and "
        "logs to faster storage, or cut the I/O (buffer pool, fewer writes)"
        if util[busiest] > DISK_BUDGET
        else None,
        disks=[
            {
                "disk": n,
                "utilisation": round(util[n], 4),
                "read_mb_s": round(h.disks[n].read_bytes / MB / h.wall_s, 2),
                "write_mb_s": round(h.disks[n].write_bytes / MB / h.wall_s, 2),
            }
            for n in order[:5]
        ],
        window_rps=round(w.load.rps, 1) if w.load else None,
    )
