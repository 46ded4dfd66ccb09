"""init's slo: from the site's access log: the busiest minute, rounded up, users from its clients; LoanFlow's
KPIs, commented out, when no log can be read. No server needed: the logs are written here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from perfscore.config import Config, example_config
from perfscore.discover import Discovered, slo_of
from perfscore.host.accesslog import busiest_minute, nice_ceil, proposed_slo, read_peak
from tests.conftest import perfscore


def _line(minute: str, second: int, client: str = "203.0.113.7", path: str = "/") -> str:
    return f'{client} - - [{minute}:{second:02d} +0000] "GET {path} HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux)"'


def _log(tmp_path: Path, per_minute: dict[str, list[str]]) -> Path:
    path = tmp_path / "access.log"
    lines = [_line(m, i % 60, c) for m, clients in per_minute.items() for i, c in enumerate(clients)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _clients(n: int, distinct: int) -> list[str]:
    return [f"198.51.100.{i % distinct + 1}" for i in range(n)]


def test_the_busiest_minute_and_its_clients(tmp_path: Path) -> None:
    log = _log(
        tmp_path,
        {
            "05/Dec/2026:09:00": _clients(300, 20),
            "05/Dec/2026:21:13": _clients(2240, 120),  # the evening peak: 37.3 req/s
            "06/Dec/2026:09:01": _clients(900, 60),
        },
    )
    peak = busiest_minute(str(log), log.read_text().splitlines())
    assert peak is not None
    found = (peak.minute, peak.requests, peak.clients, peak.lines, peak.minutes)
    assert found == ("05/Dec/2026:21:13", 2240, 120, 3440, 3)
    assert peak.rps == pytest.approx(2240 / 60)


def test_perfscores_own_load_is_not_the_sites_peak() -> None:
    ours = 'Mozilla/5.0 (compatible; perfscore/0.1; +https://github.com/perfscore/perfscore)"'
    lines = [_line("06/Dec/2026:10:00", i % 60).replace('Mozilla/5.0 (X11; Linux)"', ours) for i in range(5000)]
    lines += [_line("06/Dec/2026:11:00", i % 60) for i in range(120)]
    peak = busiest_minute("a", lines)
    assert peak is not None and (peak.minute, peak.requests, peak.lines) == ("06/Dec/2026:11:00", 120, 120)


@pytest.mark.parametrize(("x", "up"), [(0.2, 1), (1, 1), (9.4, 9.4), (37.3, 38), (99.01, 100), (1234, 1300), (50, 50)])
def test_rounded_up_to_two_figures(x: float, up: float) -> None:
    assert nice_ceil(x) == pytest.approx(up)


def test_users_are_the_clients_or_the_requests_in_flight(tmp_path: Path) -> None:
    busy = busiest_minute("a", [_line("06/Dec/2026:10:00", i % 60, f"10.0.0.{i % 120 + 1}") for i in range(2240)])
    assert busy is not None
    rps, users, source = proposed_slo(busy)
    assert (rps, users) == (38, 120)
    assert "busiest minute (06/Dec/2026:10:00) had 2,240 requests, 37.3 req/s, rounded up to 38" in source
    assert "120 client addresses" in source
    # Behind a proxy every request comes from one address: Little's law sets the floor (rate × p95).
    proxied = busiest_minute("a", [_line("06/Dec/2026:10:00", i % 60, "127.0.0.1") for i in range(6000)])
    assert proxied is not None
    rps, users, source = proposed_slo(proxied)
    assert (rps, users) == (100, 20) and "in flight" in source


def test_init_writes_the_sites_slo_from_its_access_log(tmp_path: Path) -> None:
    log = _log(tmp_path, {"06/Dec/2026:12:14": _clients(2240, 120), "06/Dec/2026:12:15": _clients(100, 5)})
    section, note = slo_of(Discovered(access_logs=[str(tmp_path / "missing.log"), str(log)]))
    assert "38 req/s" in note and "120 users" in note
    text = example_config("http://127.0.0.1:8088", slo=section)
    assert section in text
    said = " ".join(line.removeprefix("# ") for line in section.splitlines() if line.startswith("# "))
    assert f"from {log}: its busiest minute (06/Dec/2026:12:14) had 2,240 requests, 37.3 req/s" in said
    doc = yaml.safe_load(text)
    assert doc["slo"] == {"peak_rps": 38, "concurrent_users": 120}
    cfg = Config.model_validate(doc)
    assert cfg.slo.snapshot().custom and cfg.audit.load.ramp == [1, 4, 16, 120]


def test_without_a_readable_log_init_leaves_loanflows_kpis_and_says_why(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.log"
    os.mkfifo(fifo)  # must not block init
    empty = tmp_path / "empty.log"
    empty.write_text("no timestamps here\n")
    for logs, why in (
        ([], "names no access log"),
        ([str(fifo)], "not a regular file"),
        ([str(empty)], "no line with a [time_local] timestamp"),
        ([str(tmp_path / "nope.log")], "No such file"),
    ):
        section, note = slo_of(Discovered(access_logs=logs))
        assert "LoanFlow's KPIs" in note and why in note, note
        text = example_config("http://127.0.0.1:8088", slo=section)
        assert "LoanFlow's KPIs apply" in text and why.split()[0] in text
        doc = yaml.safe_load(text)
        assert "slo" not in doc  # commented out: the reports say "LoanFlow KPIs (default …)"
        assert not Config.model_validate(doc).slo.snapshot().custom


def test_only_the_logs_tail_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import perfscore.host.accesslog as accesslog

    old = [_line("01/Jan/2026:00:00", i % 60) for i in range(500)]  # a busy minute long ago
    new = [_line("06/Dec/2026:12:00", i % 60) for i in range(100)]
    path = tmp_path / "access.log"
    path.write_text("\n".join(old + new) + "\n")
    monkeypatch.setattr(accesslog, "READ_LIMIT", len("\n".join(new)) + 10)
    peak, _ = read_peak([str(path)])
    assert peak is not None and peak.minute == "06/Dec/2026:12:00" and peak.requests == 100


def test_init_without_a_url_says_why_loanflows_kpis_apply(tmp_path: Path) -> None:
    """As the --url path does when no access log gives a peak: on stderr and in the config's slo section."""
    path = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(path))
    assert res.code == 0, res.err
    said = " ".join(res.err.split())
    assert "slo: LoanFlow's KPIs left as the default (no --url or --access-log given" in said, res.err
    text = path.read_text()
    assert "LoanFlow's KPIs apply" in text and "# no --url or --access-log given" in text
    doc = yaml.safe_load(text)
    assert "slo" not in doc and not Config.model_validate(doc).slo.snapshot().custom
