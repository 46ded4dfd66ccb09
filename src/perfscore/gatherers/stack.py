"""Stack facts gatherer: the app's database client, framework and page cache, as the host shows them.

I/O only (the parsing is ``perfscore.gatherers.fingerprint``): the home page's headers and HTML (fetched twice:
a page cache shows on the repeat), and, when
the app runs on this machine, the PHP-FPM master's own binary run with ``-m`` (its loaded extensions) and
``-i`` (OPcache's switch), under the same rules as ``php-fpm -tt`` (a root-owned, write-protected binary
of a master that root or perfscore's user runs, in this mount namespace). Nothing is changed.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from perfscore.artifacts.stack import Fact, StackSnapshot
from perfscore.gatherers import fingerprint
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import Response, fetch, join
from perfscore.gatherers.memory import app_host, processes_matching
from perfscore.gatherers.php import MASTER, RUN_TIMEOUT_S
from perfscore.host.listeners import is_this_machine
from perfscore.host.safety import refuse
from perfscore.patterns import compile_pattern

OPCACHE_ON = re.compile(r"^opcache\.enable => (On|1)\b", re.M)


def fpm_binary(patterns: list[str], pid_files: list[Any], base_dir: Any) -> tuple[str | None, str]:
    """The binary of the PHP-FPM master whose workers match ``patterns``, or why not."""
    import psutil

    for p in patterns:
        compile_pattern(p)
    masters: dict[int, Any] = {}
    for w in processes_matching(patterns, pid_files, base_dir).values():
        try:
            parent = w.parent()
            if parent is not None and MASTER.search(" ".join(parent.cmdline())):
                masters[parent.pid] = parent
        except psutil.Error:
            continue
    if not masters:
        return None, "no PHP-FPM master among the app workers' parents on this machine"
    if len(masters) > 1:  # another app's pool would answer for this one: no fact rather than a wrong one
        pids = ", ".join(str(p) for p in sorted(masters)[:6])
        return None, f"the app patterns match workers of {len(masters)} PHP-FPM masters ({pids}): not told which"
    master = next(iter(masters.values()))
    try:
        exe, owner = master.exe(), master.uids().real
    except psutil.Error as exc:
        return None, f"PHP-FPM master {master.pid}: {type(exc).__name__} (run perfscore as the FPM user or root)"
    refused = refuse(master.pid, owner, exe)
    return (None, f"PHP-FPM master {master.pid}: {refused}") if refused else (exe, f"PHP-FPM master {master.pid}")


def run_php(exe: str, flag: str) -> tuple[str | None, str]:
    try:
        proc = subprocess.run([exe, flag], capture_output=True, text=True, timeout=RUN_TIMEOUT_S, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{exe} {flag}: {type(exc).__name__}"
    if proc.returncode != 0:
        return None, f"{exe} {flag} exited {proc.returncode}"
    return proc.stdout, f"{exe} {flag}"


def php_facts(exe: str) -> tuple[dict[str, Fact], list[str]]:
    """db_client and opcache_enabled from the binary's ``-m`` and ``-i``."""
    facts: dict[str, Fact] = {}
    notes: list[str] = []
    out, where = run_php(exe, "-m")
    if out is None:
        return facts, [where]
    mods = fingerprint.php_modules(out)
    facts["db_client"] = Fact(value=fingerprint.db_client(mods), source=f"{where}: extensions loaded")
    if not fingerprint.opcache_loaded(mods):
        facts["opcache_enabled"] = Fact(value=False, source=f"{where}: Zend OPcache not loaded")
    else:
        info, iwhere = run_php(exe, "-i")
        if info is None:
            notes.append(iwhere)
        else:
            on = bool(OPCACHE_ON.search(info))
            facts["opcache_enabled"] = Fact(value=on, source=f"{iwhere}: opcache.enable {'On' if on else 'Off'}")
    return facts, notes


def page_facts(headers: dict[str, str], html: str, paths: list[str], where: str) -> tuple[dict[str, Any], list[str]]:
    fw, evidence = fingerprint.frameworks(headers, html, paths)
    if fw is None:
        return {"framework_evidence": evidence}, [f"framework: no fingerprint in {where}"]
    return {"framework": Fact(value=fw, source=f"{where}: {evidence[0]}"), "framework_evidence": evidence}, []


class StackGatherer(Gatherer):
    name = "stack"
    local = True  # facts about the app, not proof that the target answered

    def _local(self) -> bool:
        cfg = self.ctx.config
        host = app_host(cfg)
        return cfg.processes is not None and (host is None or is_this_machine(host))

    def not_configured(self) -> str | None:
        if self.ctx.config.target.base_url or self._local():
            return None
        return "no base_url and no app on this machine"

    def _home(self, base: str) -> Response:
        cfg = self.ctx.config
        return fetch(
            join(base, "/"), headers=self.target_headers, user_agent=cfg.target.user_agent, timeout=self.http_timeout
        )

    def _page_cache(self, base: str, first: Response, notes: list[str]) -> dict[str, Fact]:
        """page_cache_present: the home page fetched once more, a hit header on the repeat or a plugin's mark."""
        try:
            again = self._home(base)
        except ProbeUnavailable as exc:
            notes.append(f"page_cache_present: the home page's repeat did not answer ({exc})")
            return {}
        found = fingerprint.page_cache([(first.headers, first.text()), (again.headers, again.text())])
        if found is None:
            notes.append(
                "page_cache_present: no cache-hit header or cache plugin's mark on the home page fetched twice"
            )
            return {}
        return {"page_cache_present": Fact(value=found[0], source=f"the home page: {found[1]}")}

    def end(self) -> StackSnapshot:
        cfg = self.ctx.config
        got: dict[str, Any] = {}
        notes: list[str] = []
        base = cfg.target.base_url
        answered = base is None  # no URL: the config's processes are the app
        if base:
            try:
                r = self._home(base)
                paths = [e.path for e in cfg.endpoints]
                facts, why = page_facts(r.headers, r.text(), paths, "the home page")
                got |= facts
                notes += why
                answered = True
                got |= self._page_cache(base, r, notes)
            except ProbeUnavailable as exc:
                notes.append(f"framework: the home page did not answer ({exc})")
        if not answered:
            notes.append("db_client: the target did not answer, so this machine's PHP is not taken for its PHP")
        elif self._local() and cfg.processes is not None:
            exe, where = fpm_binary(cfg.processes.app, cfg.processes.pid_files, self.ctx.base_dir)
            if exe is None:
                notes.append(f"db_client: {where}")
            else:
                facts, why = php_facts(exe)
                got |= facts
                notes += why
        if not got.get("framework") and not got.get("db_client"):
            raise ProbeUnavailable("; ".join(notes) or "no stack fact could be read")
        return StackSnapshot(**got, notes=notes[:20])
