"""Apache JMeter results (``jmeter -n -t plan.jmx -l results.jtl``): CSV or XML JTL, streamed.

CSV needs its header line (JMeter writes it by default: ``jmeter.save.saveservice.print_field_names``)
and millisecond time stamps (the default ``timestamp_format=ms``). XML is read with expat, event by
event; a DTD or entity declaration is refused (no entity expansion, no external fetch). Only top-level
samples count (a Transaction Controller's children are inside it), as JMeter's Aggregate Report counts.
The concurrency of each sample is JMeter's ``allThreads`` (``na``): a stepped thread group becomes ramp
steps.
"""

from __future__ import annotations

import xml.parsers.expat
from pathlib import Path
from urllib.parse import urlsplit

from perfscore.imports.base import EARLIEST_MS, LATEST_MS, MAX_ELAPSED_MS, Imported, Progress, bad, check_file, csv_rows
from perfscore.imports.samples import Accumulator

WHAT = "JMeter results"
REQUIRED = ("timeStamp", "elapsed", "label", "success")
CHUNK = 1024 * 1024
MAX_DEPTH = 64  # JTLs nest a sample's sub-results a few levels
MAX_ELEMENT = 16 * 1024 * 1024  # bytes without an element starting or ending


def read(paths: list[Path], progress: Progress | None = None, since_ms: float | None = None) -> Imported:
    if len(paths) != 1:
        raise bad(paths[-1], None, "give one JTL file")
    path = paths[0]
    size = check_file(path, WHAT)
    with path.open("rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    acc = Accumulator(f"JMeter {'XML' if head.startswith(b'<') else 'CSV'} JTL {path.name}", since_ms)
    targets: dict[str, int] = {}
    if head.startswith(b"<"):
        _xml(path, acc, size, progress)
    else:
        _csv(path, acc, targets, progress)
    if acc.count == 0:
        raise bad(path, None, "holds no samples" + (" from this run (only earlier runs')" if acc.skipped else ""))
    if acc.first_ms == float("inf"):
        raise bad(path, None, "holds no sample with a time stamp")
    target = max(targets, key=lambda t: targets[t]) if targets else "JMeter test plan"
    load = acc.result(target, acc.notes())
    return Imported(
        tool="jmeter",
        files=[str(path)],
        load=load,
        steps=acc.steps(),
        started_at=acc.first_ms / 1000,
        ended_at=acc.last_ms / 1000,
    )


def _host(url: str, targets: dict[str, int]) -> None:
    if len(targets) < 20 and url:
        try:
            p = urlsplit(url)
        except ValueError:
            return
        if p.scheme in ("http", "https") and p.hostname:
            key = f"{p.scheme}://{p.netloc.rsplit('@', 1)[-1]}"
            targets[key] = targets.get(key, 0) + 1


def _number(path: Path, line: int, name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        hint = " (set jmeter.save.saveservice.timestamp_format=ms)" if name == "timeStamp" else ""
        raise bad(path, line, f"{name} {text[:40]!r} is not a number{hint}") from None
    if not value >= 0 or value == float("inf"):
        raise bad(path, line, f"{name} {text[:40]!r} is out of range")
    if name == "timeStamp" and value and not EARLIEST_MS <= value <= LATEST_MS:
        raise bad(path, line, f"timeStamp {text[:40]!r} is not a time in milliseconds since 1970 (2000-2100)")
    if name == "elapsed" and value > MAX_ELAPSED_MS:
        raise bad(path, line, f"elapsed {text[:40]!r} ms is longer than a day")
    return value


def _csv(path: Path, acc: Accumulator, targets: dict[str, int], progress: Progress | None) -> None:
    rows = csv_rows(path, WHAT, progress)
    try:
        _, header = next(rows)
    except StopIteration:
        raise bad(path, None, "is empty") from None
    cols = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise bad(
            path,
            1,
            f"no JTL header line naming {', '.join(missing)}: run JMeter with "
            "-Jjmeter.save.saveservice.print_field_names=true (the default from JMeter 3.0, not in 2.x)",
        )
    ts, el, lb, su = (cols[c] for c in REQUIRED)
    rc, by, na, url = (cols.get(c) for c in ("responseCode", "bytes", "allThreads", "URL"))
    width = len(header)
    for line, row in rows:
        if len(row) < width:
            raise bad(path, line, f"truncated: {len(row)} of {width} fields")
        success = row[su].strip().lower()
        if success not in ("true", "false"):
            raise bad(path, line, f"success {row[su][:20]!r} is neither true nor false")
        acc.add(
            row[lb],
            _number(path, line, "timeStamp", row[ts]),
            _number(path, line, "elapsed", row[el]),
            success == "true",
            row[rc].strip() if rc is not None else "",
            int(_number(path, line, "bytes", row[by])) if by is not None and row[by] else 0,
            int(_number(path, line, "allThreads", row[na])) if na is not None and row[na] else None,
        )
        if url is not None:
            _host(row[url], targets)


def _xml_sample(path: Path, line: int, name: str, attrs: dict[str, str], acc: Accumulator) -> None:
    """One <httpSample>/<sample> of an XML JTL, added to ``acc``."""
    for attr in ("t", "ts", "lb", "s"):
        if attr not in attrs:
            raise bad(path, line, f"<{name}> without its {attr!r} attribute")
    success = attrs["s"].strip().lower()
    if success not in ("true", "false"):
        raise bad(path, line, f"s={attrs['s'][:20]!r} is neither true nor false")
    acc.add(
        attrs["lb"],
        _number(path, line, "timeStamp", attrs["ts"]),
        _number(path, line, "elapsed", attrs["t"]),
        success == "true",
        attrs.get("rc", "").strip(),
        int(_number(path, line, "bytes", attrs["by"])) if attrs.get("by") else 0,
        int(_number(path, line, "allThreads", attrs["na"])) if attrs.get("na") else None,
    )


def _xml(path: Path, acc: Accumulator, size: int, progress: Progress | None) -> None:
    """XML JTLs carry no URL attribute (only a <java.net.URL> child when saved): the label names the request."""
    parser = xml.parsers.expat.ParserCreate()
    depth = [0]
    last_event = [0]  # the byte where the last element started or ended
    size = check_file(path, WHAT)

    def refuse(*_: object) -> None:
        raise bad(path, parser.CurrentLineNumber, "declares a DTD or entities: refused (no entity expansion)")

    def start(name: str, attrs: dict[str, str]) -> None:
        depth[0] += 1
        last_event[0] = parser.CurrentByteIndex
        if depth[0] > MAX_DEPTH:
            raise bad(path, parser.CurrentLineNumber, f"elements nested more than {MAX_DEPTH} deep: not a JTL")
        if depth[0] == 1:
            if name != "testResults":
                raise bad(path, parser.CurrentLineNumber, f"<{name[:40]}> is not a JMeter <testResults> file")
            return
        if depth[0] != 2 or name not in ("httpSample", "sample"):
            return
        _xml_sample(path, parser.CurrentLineNumber, name, attrs, acc)

    def end(_: str) -> None:
        depth[0] -= 1
        last_event[0] = parser.CurrentByteIndex

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    done = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                parser.Parse(chunk, False)
                done += len(chunk)
                if done - max(0, last_event[0]) > MAX_ELEMENT:  # expat buffers a token whole: bound it
                    raise bad(path, parser.CurrentLineNumber, f"one element longer than {MAX_ELEMENT // 2**20} MiB")
                if progress is not None:
                    progress(done, size)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        why = xml.parsers.expat.ErrorString(exc.code) if exc.code else str(exc)
        raise bad(path, exc.lineno, f"malformed or truncated XML ({why})") from None
    except OSError as exc:
        raise bad(path, None, f"cannot be read: {exc.strerror}") from None
