"""The route grouper: URLs a crawl found made into the routes of a mix (pure, table-driven)."""

from __future__ import annotations

import pytest

from perfscore.config import Config, endpoints_section, example_config
from perfscore.routes import Form, Found, collapse_slugs, endpoint_name, group, is_asset, route_of
from perfscore.yamlfile import load_yaml


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/", "/"),
        ("/loan/123", "/loan/{id}"),
        ("/loan/123/", "/loan/{id}/"),
        ("/loan/123/schedule", "/loan/{id}/schedule"),
        ("/u/0b5e0f3c-8a2e-4c59-9b1d-2f7e6a1c9d00", "/u/{uuid}"),
        ("/blob/3f786850e387550fdab836ed7e6dc881de23001b", "/blob/{hash}"),
        ("/blob/deadbeefcafe", "/blob/deadbeefcafe"),  # letters only: a word, not a hash
        ("/news/2026-12-06", "/news/{date}"),
        ("/news/2026/12/06/title", "/news/{date}/title"),
        ("/items?page=2", "/items?page={page}"),
        ("/items?page=2&sort=name", "/items?page={page}&sort={sort}"),
        ("/items?sort=name&page=9", "/items?page={page}&sort={sort}"),
        ("/search?q=a%20b", "/search?q={q}"),
        ("/about", "/about"),
        ("/v2/api", "/v2/api"),
    ],
)
def test_route_of(path: str, route: str) -> None:
    assert route_of(path) == route


@pytest.mark.parametrize(
    ("pattern", "taken", "name"),
    [
        ("/", [], "home"),
        ("/loan/{id}", [], "loan_id"),
        ("/items?page={page}", [], "items"),
        ("/?page={page}", [], "home_query"),
        ("/api/stats.json", [], "api_stats_json"),
        ("/about", ["about"], "about_2"),
        ("/about", ["about", "about_2"], "about_3"),
    ],
)
def test_endpoint_name(pattern: str, taken: list[str], name: str) -> None:
    assert endpoint_name(pattern, taken) == name


@pytest.mark.parametrize(
    ("path", "ctype", "asset"),
    [
        ("/app.css", "", True),
        ("/js/app.js?v=3", "", True),
        ("/logo.PNG", "", True),
        ("/font.woff2", "", True),
        ("/page", "text/css", True),
        ("/page", "text/html", False),
        ("/api/x.json", "application/json", False),
        ("/css", "", False),
    ],
)
def test_is_asset(path: str, ctype: str, asset: bool) -> None:
    assert is_asset(path, ctype) is asset


def test_samples_of_one_route_are_one_route_weighted_by_links() -> None:
    found = [
        Found("/", links=2, status=200, content_type="text/html"),
        Found("/item/1", links=3, status=200, content_type="text/html"),
        Found("/item/2", links=1, status=200, content_type="text/html"),
        *(Found(f"/item/{n}", links=1) for n in range(3, 40)),  # linked, never fetched: weight only
        Found("/about", links=1, status=200, content_type="text/html"),
    ]
    g = group(found)
    by = {r.pattern: r for r in g.routes}
    assert set(by) == {"/", "/item/{id}", "/about"}
    item = by["/item/{id}"]
    assert item.weight == 3 + 1 + 37
    assert item.samples[:2] == ("/item/1", "/item/2") and item.sample == "/item/1"
    assert g.routes[0] is item  # heaviest first
    assert item.name == "item_id" and by["/"].name == "home"


@pytest.mark.parametrize(
    ("f", "in_mix", "why"),
    [
        (Found("/ok", links=1, status=200), True, None),
        (Found("/broken", links=1, status=500), True, None),  # a failing page the app links: a finding
        (Found("/gone", links=1, status=404), False, "answers 404"),
        (Found("/from-sitemap", guessed=True, status=404), False, "answers 404"),
        (Found("/from-sitemap", guessed=True, status=503), False, "answers 503 and no page links to it"),
        (Found("/from-sitemap", guessed=True, status=200), True, None),
        (Found("/login-wall", links=1, status=302, redirect=True), False, "redirects"),
        (Found("/private", links=1, status=403), False, "answers 403"),
        (Found("/never", links=4), False, "not fetched"),
    ],
)
def test_what_enters_the_mix(f: Found, in_mix: bool, why: str | None) -> None:
    g = group([f])
    assert bool(g.routes) is in_mix
    assert (g.left_out[0][1] if g.left_out else None) == why


def test_assets_and_json_apart() -> None:
    g = group(
        [
            Found("/app.css", links=1, status=200, content_type="text/css"),
            Found("/api/stats", links=1, status=200, content_type="application/json"),
            Found("/data.json", links=1, status=200, content_type="application/octet-stream"),
            Found("/", links=1, status=200, content_type="text/html"),
        ]
    )
    assert g.assets == ["/app.css"]
    kinds = {r.pattern: r.kind for r in g.routes}
    assert kinds == {"/api/stats": "api", "/data.json": "api", "/": "page"}


def test_the_init_section_is_valid_yaml_with_forms_commented_out(tmp_path) -> None:  # noqa: ANN001
    g = group(
        [
            Found("/", links=1, status=200, content_type="text/html"),
            Found("/item/7", links=5, status=200, content_type="text/html"),
            Found("/report", links=1, status=500, content_type="text/html"),
            Found('/q?x="a"', links=1, status=200, content_type="text/html"),
        ]
    )
    forms = [Form("POST", "/contact", ("name", "email"), "/about"), Form("GET", "/search", ("q",), "/")]
    section = endpoints_section("http://127.0.0.1:1", g, forms, pages=3, requests=9)
    text = example_config("http://127.0.0.1:1", endpoints=section)
    path = tmp_path / "perfscore.yaml"
    path.write_text(text)
    cfg = Config.model_validate(load_yaml(path, "config").data)
    assert [(e.name, e.path, e.method, e.weight) for e in cfg.endpoints] == [
        ("item_id", "/item/7", "GET", 5),
        ("home", "/", "GET", 1),
        ("q", '/q?x="a"', "GET", 1),
        ("report", "/report", "GET", 1),
    ]
    assert "# writes data" not in text.split("endpoints:")[0]
    post = next(line for line in text.splitlines() if "/contact" in line)
    assert post.startswith("#") and "method: POST" in post and "writes data" in post
    assert "answered 500" in next(line for line in text.splitlines() if "/report" in line)
    assert "/api/applications" not in text  # the reference app's template endpoints are gone
    assert "mysql:" in text and "monitoring:" in text  # the rest of the template stays


def test_nothing_found_writes_no_endpoint(tmp_path) -> None:  # noqa: ANN001
    section = endpoints_section("http://127.0.0.1:1", group([Found("/", status=404)]), [], pages=0, requests=3)
    text = example_config("http://127.0.0.1:1", endpoints=section)
    assert "found no page" in text
    assert not any(line.startswith("endpoints:") for line in text.splitlines())
    path = tmp_path / "perfscore.yaml"
    path.write_text(text)
    cfg = Config.model_validate(load_yaml(path, "config").data)
    assert [e.path for e in cfg.endpoints] == ["/"]  # the config's own default, no guess


def test_target_cookies_and_headers_reach_every_endpoint_and_are_secrets() -> None:
    cfg = Config.model_validate(
        {
            "target": {
                "base_url": "http://127.0.0.1:1",
                "cookies": {"sid": "s3cr3t-session"},
                "headers": {"Authorization": "Bearer tok-123456", "X-Tenant": "a"},
            },
            "endpoints": [{"path": "/"}, {"path": "/x", "headers": {"X-Tenant": "b"}}],
        }
    )
    assert cfg.target.request_headers()["Cookie"] == "sid=s3cr3t-session"
    assert cfg.endpoints[0].headers["Cookie"] == "sid=s3cr3t-session"
    assert cfg.endpoints[1].headers["X-Tenant"] == "b"  # an endpoint's own header wins
    assert {"s3cr3t-session", "tok-123456"} <= set(cfg.target.secrets())


@pytest.mark.parametrize(
    "cookies", [{"sid": "a;b"}, {"sid": "a\r\nX-Evil: 1"}, {"bad name": "x"}, {"sid": "with space"}]
)
def test_bad_cookies_are_refused(cookies: dict[str, str]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Config.model_validate({"target": {"cookies": cookies}})


@pytest.mark.parametrize(
    ("paths", "folded"),
    [
        # WordPress posts: nine slugs under /{year}/{month}/ are one route.
        ([f"/{{id}}/{{id}}/load-notes-{n}/" for n in range(9)], {"/{id}/{id}/{slug}/"}),
        # Four books by slug under one parent: one route; three: too few to tell, kept apart.
        ([f"/book/title-{n}" for n in range(4)], {"/book/{slug}"}),
        ([f"/book/title-{n}" for n in range(3)], set()),
        # Top-level pages are distinct pages, however many.
        (["/about", "/contact", "/pricing", "/services", "/team"], set()),
        # Queries and placeholders are already routes.
        (["/items?page={page}", "/a/{id}", "/b/{id}", "/c/{id}", "/d/{id}"], set()),
    ],
)
def test_collapse_slugs(paths: list[str], folded: set[str]) -> None:
    assert set(collapse_slugs(paths).values()) == folded


def test_a_blogs_posts_are_one_route_with_samples() -> None:
    found = [Found(path=f"/2026/11/load-notes-{n}/", status=200, links=1) for n in range(9)]
    found.append(Found(path="/about/", status=200, links=2))
    g = group(found)
    assert [r.pattern for r in g.routes] == ["/{id}/{id}/{slug}/", "/about/"]
    assert g.routes[0].weight == 9 and len(g.routes[0].samples) == 3


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://user:s3cr3tpw@127.0.0.1:8089/", "127.0.0.1:8089"),  # a stranger's pass: the password was the name
        ("https://[::1]:8443/app/", "[::1]:8443"),
        ("https://example.org/", "example.org"),
    ],
)
def test_init_names_the_site_by_its_host_never_its_credentials(url: str, name: str) -> None:
    text = example_config(url)
    assert f'name: "{name}"' in text and "s3cr3tpw" not in text.split("base_url")[0]
