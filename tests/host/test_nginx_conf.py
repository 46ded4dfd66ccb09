"""nginx -T dumps read into the server block that answers a URL: its web roots, FastCGI targets and logs."""

from __future__ import annotations

import pytest

from perfscore.host.nginx import master_options, parse_dump, parse_listen, serving, tokenize

# What `nginx -T` prints: every file under its marker, `include` left in place (Debian's layout).
DUMP = """\
# configuration file /etc/nginx/nginx.conf:
user www-data;
error_log /var/log/nginx/error.log warn;
events { worker_connections 768; }
http {
    include /etc/nginx/mime.types;
    access_log /var/log/nginx/access.log;
    upstream shop_php { server unix:/run/php/shop.sock max_fails=1; }
    include /etc/nginx/sites-enabled/*;
}

# configuration file /etc/nginx/mime.types:
types { text/html html htm; image/svg+xml svg; }

# configuration file /etc/nginx/sites-enabled/blog:
server {
    listen 80;
    server_name blog.example.org;
    root /srv/blog;  # the blog
    location ~ \\.php$ { fastcgi_pass unix:/run/php/blog.sock; }
}

# configuration file /etc/nginx/sites-enabled/shop:
server {
    listen 127.0.0.1:8088 default_server;
    listen [::1]:8088;
    server_name shop.example.org "*.shop.example.org";
    root html;
    error_log /var/log/nginx/shop-error.log;
    access_log off;
    set $secret "Basic c2VjcmV0";  # never kept
    location / { try_files $uri /index.php?$query_string; }
    location /media/ { alias /srv/shop-media/; access_log /var/log/nginx/media.log; }
    location ~ \\.php$ {
        include fastcgi_params;
        fastcgi_pass shop_php;
    }
    location /api/ { fastcgi_pass 127.0.0.1:9001; }
}

# configuration file /etc/nginx/fastcgi_params:
fastcgi_param QUERY_STRING $query_string;
"""


def _served(host: str, port: int) -> object:
    directives, main = parse_dump(DUMP)
    assert main == "/etc/nginx/nginx.conf"
    return serving(directives, host, port, "/usr/share/nginx", "stderr", "/var/log/nginx/access.log")


def test_the_block_on_the_targets_port_gives_roots_fastcgi_and_logs() -> None:
    s = _served("127.0.0.1", 8088)
    assert s is not None
    assert s.web_roots == ["/usr/share/nginx/html", "/srv/shop-media"]  # relative root: under the prefix
    assert s.fastcgi == ["unix:/run/php/shop.sock", "127.0.0.1:9001"]  # the upstream resolved
    assert s.error_logs == ["/var/log/nginx/shop-error.log"]
    assert s.access_logs == ["/var/log/nginx/media.log"]  # the server's is off; the location's counts
    assert "c2VjcmV0" not in repr(s)


@pytest.mark.parametrize(
    ("host", "port", "root"),
    [
        ("blog.example.org", 80, "/srv/blog"),  # server_name
        ("127.0.0.1", 80, "/srv/blog"),  # the only block of port 80
        ("127.0.0.1", 8088, "/usr/share/nginx/html"),  # default_server
        ("a.shop.example.org", 8088, "/usr/share/nginx/html"),  # wildcard name
    ],
)
def test_the_answering_block_is_chosen_as_nginx_chooses(host: str, port: int, root: str) -> None:
    s = _served(host, port)
    assert s is not None and s.web_roots[0] == root


def test_no_block_on_the_port_is_none_and_inherited_logs_are_followed() -> None:
    assert _served("127.0.0.1", 9999) is None
    s = _served("blog.example.org", 80)
    assert s is not None
    assert s.error_logs == ["/var/log/nginx/error.log"] and s.access_logs == ["/var/log/nginx/access.log"]
    assert s.fastcgi == ["unix:/run/php/blog.sock"]


@pytest.mark.parametrize(
    ("args", "address", "port", "default"),
    [
        (["80"], None, 80, False),
        (["127.0.0.1:8088", "default_server"], "127.0.0.1", 8088, True),
        (["[::]:443", "ssl"], None, 443, False),
        (["*:8080"], None, 8080, False),
        (["localhost"], "localhost", 80, False),
    ],
)
def test_listen_forms(args: list[str], address: str | None, port: int, default: bool) -> None:
    ln = parse_listen(args)
    assert ln is not None and (ln.address, ln.port, ln.default) == (address, port, default)


def test_tokens_quotes_comments_and_variables() -> None:
    assert tokenize("a \"b c\" 'd;' ${x}y # z\n;{}") == ["a", "b c", "d;", "${x}y", ";", "{", "}"]


def test_master_options_from_its_title() -> None:
    title = ["nginx: master process /usr/sbin/nginx -c /srv/n.conf -p /srv/pre -e /srv/e.log -g daemon off;"]
    assert master_options(title) == {"-c": "/srv/n.conf", "-p": "/srv/pre", "-e": "/srv/e.log", "-g": "daemon off;"}
    assert master_options(["nginx: master process /usr/sbin/nginx"]) == {}
    later = ["/usr/sbin/nginx", "-g", "daemon off; worker_processes 2;", "-c", "/srv/n.conf"]
    assert master_options(later) == {"-g": "daemon off; worker_processes 2;", "-c": "/srv/n.conf"}


def test_stderr_and_variable_logs_are_notes_not_paths() -> None:
    directives, _ = parse_dump(
        "# configuration file /n.conf:\nerror_log stderr;\n"
        "http { server { listen 81; root /w; access_log /l/$host.log; } }\n"
    )
    s = serving(directives, "127.0.0.1", 81, "/p")
    assert s is not None and s.error_logs == [] and s.access_logs == []
    assert any("stderr" in n for n in s.notes) and any("variables" in n for n in s.notes)


def test_not_a_dump_is_nothing() -> None:
    assert parse_dump("nginx: configuration file ok\n") == ([], None)
