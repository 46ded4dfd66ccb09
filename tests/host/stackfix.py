"""A private web stack for the discovery tests: nginx with two server blocks, a PHP-FPM master with two
pools on unix sockets, a second PHP-FPM master with another pool, a redis-server. All in a temp dir,
on free ports, stopped at the end; nothing of the reference stack is touched."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.load.fixtures import free_port


def wait_for(cond: Callable[[], bool], what: str, proc: subprocess.Popen[bytes] | None = None, s: float = 15) -> None:
    deadline = time.monotonic() + s
    while time.monotonic() < deadline:
        if cond():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: exited {proc.returncode}")
        time.sleep(0.05)
    raise TimeoutError(what)


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def binary(*names: str) -> str:
    found = next((shutil.which(n) for n in names if shutil.which(n)), None)
    if not found:
        pytest.skip(f"needs {names[0]}")
    return found


@dataclass
class Stack:
    dir: Path
    tag: str  # in the pool names: stacks of parallel test workers never share a pool name
    shop_port: int = 0
    blog_port: int = 0
    redis_port: int = 0
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def path(self, name: str) -> str:
        return str(self.dir / name)

    def pool(self, name: str) -> str:
        return f"{name}_{self.tag}"


FPM_MAIN = """[global]
pid = {d}/main.pid
error_log = {d}/main-fpm.log
daemonize = no
[shop_{t}]
user = root
group = root
listen = {d}/shop.sock
pm = static
pm.max_children = 2
request_slowlog_timeout = 5s
slowlog = {d}/shop-slow.log
php_admin_value[error_log] = {d}/shop-php.log
env[SHOP_DB_PASS] = hunter2-never-shown
[blog_{t}]
user = root
group = root
listen = {d}/blog.sock
pm = static
pm.max_children = 1
php_admin_value[error_log] = {d}/blog-php.log
php_admin_flag[log_errors] = on
"""

FPM_OTHER = """[global]
pid = {d}/other.pid
error_log = {d}/other-fpm.log
daemonize = no
[other_{t}]
user = root
group = root
listen = {d}/other.sock
pm = static
pm.max_children = 2
php_admin_value[error_log] = {d}/other-php.log
"""

NGINX = """{user}
pid {d}/nginx.pid;
error_log {d}/nginx-main.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    fastcgi_temp_path {d}/fcgi;
    proxy_temp_path {d}/proxy;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    upstream shop_php {{ server unix:{d}/shop.sock; }}
    server {{
        listen 127.0.0.1:{shop} default_server;
        server_name shop.test;
        root {d}/shop-www;
        index index.php;
        error_log {d}/shop-nginx.log warn;
        access_log {d}/shop-access.log;
        location /files/ {{ alias {d}/shop-files/; }}
        location ~ \\.php$ {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_pass shop_php;
        }}
    }}
    server {{
        listen 127.0.0.1:{blog};
        server_name blog.test;
        root {d}/blog-www;
        index index.php;
        location ~ \\.php$ {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_pass unix:{d}/blog.sock;
        }}
    }}
}}
"""


def _start_fpm(st: Stack, name: str, text: str, sock: str) -> None:
    fpm = binary("php-fpm8.2", "php-fpm8.3", "php-fpm")
    conf = st.dir / f"{name}.conf"
    conf.write_text(text.format(d=st.dir, t=st.tag))
    p = subprocess.Popen(
        [fpm, "--fpm-config", str(conf), "--allow-to-run-as-root"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    st.procs[name] = p
    wait_for(lambda: os.path.exists(st.path(sock)), f"php-fpm {name}", p)


def _start_nginx(st: Stack) -> None:
    nginx = binary("nginx")
    for sub in ("body", "fcgi", "proxy", "uwsgi", "scgi", "shop-www", "shop-files", "blog-www"):
        (st.dir / sub).mkdir(exist_ok=True)
    (st.dir / "shop-www" / "index.php").write_text("<?php echo 'shop';\n")
    (st.dir / "blog-www" / "index.php").write_text(  # every page dies with a fatal naming a person
        '<?php\nfunction post($id) { throw new RuntimeException("post $id of jane.doe@example.com is gone"); }\n'
        "post(4242);\n"
    )
    for _ in range(5):  # nginx cannot bind port 0: take a free port, retry if another process took it meanwhile
        st.shop_port, st.blog_port = free_port(), free_port()
        conf = st.dir / "nginx.conf"
        user = "user root;" if os.getuid() == 0 else ""
        conf.write_text(NGINX.format(d=st.dir, shop=st.shop_port, blog=st.blog_port, user=user))
        p = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", str(st.dir), "-e", st.path("nginx-startup.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: listening(st.shop_port) and listening(st.blog_port), "nginx", p)
        except RuntimeError:
            continue  # a port was taken: try others
        st.procs["nginx"] = p
        return
    raise RuntimeError("nginx did not start on free ports")


def _start_redis(st: Stack) -> None:
    redis = binary("redis-server")
    for _ in range(5):
        st.redis_port = free_port()
        p = subprocess.Popen(
            [redis, "--port", str(st.redis_port), "--bind", "127.0.0.1", "--save", "", "--dir", str(st.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: listening(st.redis_port), "redis-server", p)
        except RuntimeError:
            continue
        st.procs["redis"] = p
        return


@pytest.fixture(scope="module")
def web_stack() -> Iterator[Stack]:
    d = Path(tempfile.mkdtemp(prefix="ps24-", dir="/tmp"))  # short: unix socket paths have a length limit
    st = Stack(dir=d, tag=d.name.rsplit("-", 1)[-1].lower())
    try:
        _start_fpm(st, "main", FPM_MAIN, "shop.sock")
        _start_fpm(st, "other", FPM_OTHER, "other.sock")
        _start_nginx(st)
        _start_redis(st)
        yield st
    finally:
        for p in st.procs.values():
            p.terminate()
        for p in st.procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)
