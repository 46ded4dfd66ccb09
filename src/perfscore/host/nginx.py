"""nginx's effective configuration, asked of the master that listens on the target's port (``nginx -T``).

``parse_dump`` is pure: it reads the text ``nginx -T`` prints (each file under a ``# configuration file
PATH:`` line, ``include`` left in place) into directives, with includes resolved against the dumped files.
``serving`` picks the server block that answers a URL (listen port, server_name against the Host,
default_server as nginx falls back) and reads its web roots, FastCGI upstreams and logs from it.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Any

FILE_MARK = re.compile(r"^# configuration file (?P<path>.+):\s*$")
MAX_INCLUDE_DEPTH = 10


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None


@dataclass
class Location:
    path: str  # the location's match ("/", "~ \.php$", "@named")
    root: str | None = None  # the directory the location serves from (root + uri)
    alias: str | None = None
    fastcgi: list[str] = field(default_factory=list)  # "unix:/path" or "host:port", upstreams resolved


@dataclass
class Served:
    """What one server block does for the target: where its files are, where PHP goes, where it logs."""

    server_names: list[str]
    listen: list[str]
    locations: list[Location]
    access_logs: list[str]
    error_logs: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def web_roots(self) -> list[str]:
        seen: list[str] = []
        for loc in self.locations:
            for d in (loc.root, loc.alias):
                if d and d not in seen:
                    seen.append(d)
        return seen

    @property
    def fastcgi(self) -> list[str]:
        seen: list[str] = []
        for loc in self.locations:
            seen += [t for t in loc.fastcgi if t not in seen]
        return seen


def tokenize(text: str) -> list[str]:
    """nginx's tokens: words, quoted strings (quotes removed, escapes kept as nginx keeps them), ``;{}``."""
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c in ";{}":
            tokens.append(c)
            i += 1
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j + 1] if text[j + 1] in "\"'\\" else text[j : j + 2])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            tokens.append("".join(buf))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in ";{}\"'":
                if text[j] == "$" and j + 1 < n and text[j + 1] == "{":  # ${var}: its braces are the word's
                    k = text.find("}", j)
                    j = n if k < 0 else k + 1
                    continue
                if text[j] == "\\" and j + 1 < n:
                    j += 2
                    continue
                j += 1
            tokens.append(text[i:j])
            i = j
    return tokens


def parse(text: str) -> list[Directive]:
    """Directives of one file; unbalanced braces end the block (tolerant: -T printed what nginx accepted)."""
    tokens = tokenize(text)
    pos = 0

    def block() -> list[Directive]:
        nonlocal pos
        out: list[Directive] = []
        words: list[str] = []
        while pos < len(tokens):
            t = tokens[pos]
            pos += 1
            if t == ";":
                if words:
                    out.append(Directive(words[0], words[1:]))
                words = []
            elif t == "{":
                name, args = (words[0], words[1:]) if words else ("", [])
                out.append(Directive(name, args, block()))
                words = []
            elif t == "}":
                return out
            else:
                words.append(t)
        return out

    return block()


def split_dump(text: str) -> dict[str, str]:
    """The files of an ``nginx -T`` dump, path -> text, in the order printed (the main file first)."""
    files: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        m = FILE_MARK.match(line)
        if m:
            if current is not None:
                files[current] = "\n".join(lines)
            current, lines = m["path"], []
        elif current is not None:
            lines.append(line)
    if current is not None:
        files[current] = "\n".join(lines)
    return files


def parse_dump(text: str) -> tuple[list[Directive], str | None]:
    """The main file's directives with every ``include`` replaced by the included files' directives, and
    the main file's path (None when the text is not an ``nginx -T`` dump)."""
    files = split_dump(text)
    if not files:
        return [], None
    main = next(iter(files))
    conf_dir = os.path.dirname(main)
    parsed: dict[str, list[Directive]] = {}

    def expand(directives: list[Directive], depth: int) -> list[Directive]:
        out: list[Directive] = []
        for d in directives:
            if d.name == "include" and d.block is None and d.args and depth < MAX_INCLUDE_DEPTH:
                pattern = d.args[0] if os.path.isabs(d.args[0]) else os.path.join(conf_dir, d.args[0])
                for path in sorted(p for p in files if fnmatch.fnmatchcase(p, pattern)):
                    if path not in parsed:
                        parsed[path] = parse(files[path])
                    out += expand(parsed[path], depth + 1)
            elif d.block is not None:
                out.append(Directive(d.name, d.args, expand(d.block, depth)))
            else:
                out.append(d)
        return out

    return expand(parse(files[main]), 0), main


def _all(directives: list[Directive], name: str) -> list[Directive]:
    return [d for d in directives if d.name == name]


def _last(directives: list[Directive], name: str) -> list[str] | None:
    found = _all(directives, name)
    return found[-1].args if found else None


@dataclass(frozen=True)
class Listen:
    address: str | None  # None: any address
    port: int | None  # None: a unix socket
    unix: str | None
    default: bool


def parse_listen(args: list[str]) -> Listen | None:
    if not args:
        return None
    first, default = args[0], any(a in ("default_server", "default") for a in args[1:])
    if first.startswith("unix:"):
        return Listen(None, None, first[5:], default)
    host, port = None, None
    if first.startswith("["):  # [::1]:8080 or [::]
        end = first.find("]")
        host, rest = first[1:end], first[end + 1 :]
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else 80
    elif first.isdigit():
        port = int(first)
    elif ":" in first:
        host, _, p = first.rpartition(":")
        port = int(p) if p.isdigit() else None
    else:
        host, port = first, 80
    if port is None:
        return None
    if host in ("*", "::", "0.0.0.0", ""):
        host = None
    return Listen(host, port, None, default)


def _address_matches(listen: Listen, host: str) -> bool:
    if listen.address is None:
        return True
    if listen.address == host or (listen.address == "localhost" and host in ("127.0.0.1", "::1")):
        return True
    try:
        a, b = ipaddress.ip_address(listen.address), ipaddress.ip_address(host)
    except ValueError:  # a name: the address it reaches is not known here, so any listen address may be it
        return listen.address != "localhost" or host == "localhost"
    return a == b


def server_name_matches(names: list[str], host: str) -> bool:
    host = host.lower().rstrip(".")
    for name in names:
        n = name.lower()
        if n.startswith("~"):
            try:
                if re.search(n[1:], host):
                    return True
            except re.error:
                continue
        elif n.startswith("."):
            if host == n[1:] or host.endswith(n):
                return True
        elif n.startswith("*.") and host.endswith(n[1:]) or n.endswith(".*") and host.startswith(n[:-1]) or n == host:
            return True
    return False


def choose_server(http: list[Directive], host: str, port: int) -> tuple[Directive | None, str]:
    """The server block that answers ``host:port`` as nginx picks it: among the blocks listening on the
    port (and the address), the one whose server_name matches the Host, else the default_server, else the
    first of them. Returns the block and how it was chosen."""
    candidates: list[tuple[Directive, bool]] = []
    for srv in _all(http, "server"):
        if srv.block is None:
            continue
        listens = [parse_listen(d.args) for d in _all(srv.block, "listen")] or [Listen(None, 80, None, False)]
        fits = [ln for ln in listens if ln is not None and ln.port == port and _address_matches(ln, host)]
        if fits:
            candidates.append((srv, any(ln.default for ln in fits)))
    if not candidates:
        return None, f"no server block listens on port {port}"
    for srv, _ in candidates:
        assert srv.block is not None
        if server_name_matches([a for d in _all(srv.block, "server_name") for a in d.args], host):
            return srv, f"server_name matches {host}"
    for srv, default in candidates:
        if default:
            return srv, "the default_server of the port"
    return candidates[0][0], "the first server block of the port (nginx's default)"


def _resolve(path: str, prefix: str) -> str:
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(prefix, path))


def _upstreams(http: list[Directive]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for up in _all(http, "upstream"):
        if up.block is None or not up.args:
            continue
        out[up.args[0]] = [d.args[0] for d in _all(up.block, "server") if d.args]
    return out


def _log_paths(args: list[str] | None, prefix: str, notes: list[str], what: str) -> list[str]:
    if not args or args[0] == "off":
        return []
    target = args[0]
    if target in ("stderr", "/dev/stderr", "/dev/stdout") or target.startswith(("syslog:", "memory:")):
        notes.append(f"{what} goes to {target.split(':')[0]}, not a file")
        return []
    if "$" in target:
        notes.append(f"{what} path holds variables: not followed")
        return []
    return [_resolve(target, prefix)]


def serving(
    directives: list[Directive],
    host: str,
    port: int,
    prefix: str,
    default_error_log: str | None = None,
    default_access_log: str | None = None,
) -> Served | None:
    """What the server block answering ``host:port`` serves, or None when no block listens there."""
    https = [d for d in _all(directives, "http") if d.block is not None]
    http: list[Directive] = [x for d in https for x in (d.block or [])]
    srv, why = choose_server(http, host, port)
    if srv is None or srv.block is None:
        return None
    notes = [f"server block: {why}"]
    upstreams = _upstreams(http)
    locations: list[Location] = []
    root_default = _last(http, "root")
    server_root = _last(srv.block, "root") or root_default or ["html"]

    def walk(block: list[Directive], match: str, root: list[str]) -> None:
        loc_root = _last(block, "root") or root
        alias = _last(block, "alias")
        fcgi_args = _last(block, "fastcgi_pass")
        targets: list[str] = []
        if fcgi_args:
            t = fcgi_args[0]
            if "$" in t:
                notes.append(f"location {match}: fastcgi_pass {t.split('$')[0]}… holds variables: not followed")
            else:
                name = t.removeprefix("http://")
                targets = list(upstreams.get(name, [t]))
        locations.append(
            Location(
                path=match,
                root=None if alias else _resolve(loc_root[0], prefix),
                alias=_resolve(alias[0], prefix) if alias else None,
                fastcgi=targets,
            )
        )
        for sub in _all(block, "location"):
            if sub.block is not None:
                walk(sub.block, " ".join(sub.args), loc_root)

    walk(srv.block, "(server)", server_root)
    error_args = _last(srv.block, "error_log") or _last(http, "error_log") or _last(directives, "error_log")
    errors = _log_paths(error_args, prefix, notes, "the error log")
    if error_args is None and default_error_log:
        errors = _log_paths([default_error_log], prefix, notes, "the error log")
    access: list[str] = []
    access_args = _last(srv.block, "access_log") or _last(http, "access_log")
    if access_args is None and default_access_log:
        access_args = [default_access_log]
    access += _log_paths(access_args, prefix, notes, "the access log")
    for loc in _all_locations(srv.block):
        for d in _all(loc, "access_log"):
            access += [p for p in _log_paths(d.args, prefix, notes, "an access log") if p not in access]
    return Served(
        server_names=[a for d in _all(srv.block, "server_name") for a in d.args],
        listen=[" ".join(d.args[:1]) for d in _all(srv.block, "listen")],
        locations=locations,
        access_logs=access,
        error_logs=errors,
        notes=notes,
    )


def _all_locations(block: list[Directive]) -> list[list[Directive]]:
    out: list[list[Directive]] = []
    for d in _all(block, "location"):
        if d.block is not None:
            out.append(d.block)
            out += _all_locations(d.block)
    return out


# --- I/O: the master on the port, its binary run with its own options ---

OPTIONS_WITH_VALUE = ("-c", "-p", "-e", "-g")


def master_options(cmdline: list[str]) -> dict[str, str]:
    """The -c/-p/-e/-g options of an nginx master's command line (title ``nginx: master process ARGS``)."""
    words = " ".join(cmdline).split()
    if len(words) >= 3 and words[:3] == ["nginx:", "master", "process"]:
        words = words[3:]
    if words and not words[0].startswith("-"):
        words = words[1:]  # the binary
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        w = words[i]
        if w in OPTIONS_WITH_VALUE and i + 1 < len(words):
            j = i + 2
            if w == "-g":  # its directives hold spaces (the title joins words): up to the next option
                while j < len(words) and words[j] not in (*OPTIONS_WITH_VALUE, "-q", "-t", "-T"):
                    j += 1
            out[w] = " ".join(words[i + 1 : j])
            i = j
            continue
        i += 1
    return out


def compiled_paths(version_text: str) -> dict[str, str]:
    """``--prefix``, ``--conf-path``, ``--error-log-path``, ``--http-log-path`` from ``nginx -V``."""
    return dict(re.findall(r"--(prefix|conf-path|error-log-path|http-log-path)=(\S+)", version_text))


def ask_master(master: Any, errors: list[str]) -> tuple[list[Directive], str, dict[str, str]] | None:
    """``nginx -T`` of this master's own binary with its own -c/-p/-e/-g: (directives, prefix, compiled paths)."""
    import psutil

    from perfscore.host.safety import refuse, run_capped

    try:
        exe = master.exe()
        owner = master.uids().real
        opts = master_options(master.cmdline())
    except psutil.Error as exc:
        errors.append(f"nginx master {master.pid}: {type(exc).__name__} (run perfscore as root)")
        return None
    refused = refuse(master.pid, owner, exe)
    if refused:
        errors.append(f"nginx master {master.pid}: {refused}")
        return None
    version = run_capped([exe, "-V"], errors)
    compiled = compiled_paths(version[1] + version[0]) if version else {}
    args = [exe, "-T", "-q"]
    for flag in ("-c", "-p", "-e", "-g"):
        if flag in opts:
            args += [flag, opts[flag]]
    dumped = run_capped(args, errors)
    if dumped is None:
        return None
    directives, main = parse_dump(dumped[0])
    if main is None:
        errors.append(f"{exe} -T printed no configuration")
        return None
    prefix = opts.get("-p") or compiled.get("prefix") or os.path.dirname(main)
    if "-e" in opts:
        compiled["error-log-path"] = opts["-e"]
    return directives, prefix, compiled
