from __future__ import annotations

import json

from perfscore import __version__
from tests.conftest import SEED, perfscore


def test_version_and_help() -> None:
    res = perfscore("--version")
    assert res.code == 0 and __version__ in res.out
    res = perfscore("--help")
    assert res.code == 0
    for cmd in ("score", "rubric", "schema"):
        assert cmd in res.out


def test_unknown_command_is_a_usage_error() -> None:
    res = perfscore("frobnicate")
    assert res.code == 2 and "Traceback" not in res.err


def test_output_file_and_stdout_are_separate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r" / "result.json"
    res = perfscore(
        "score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml"), "-f", "json", "-o", str(out)
    )
    assert res.code == 0 and res.out == ""
    assert json.loads(out.read_text())["score"] == 95.05


def test_run_schema_is_published_and_current() -> None:
    res = perfscore("schema", "run")
    schema = json.loads(res.out)
    assert "measurements" in schema["properties"]
    from tests.conftest import REPO

    published = json.loads((REPO / "schemas" / "run.schema.json").read_text())
    assert published == schema, "schemas/run.schema.json is stale: regenerate with 'perfscore schema run'"


def test_rubric_show_lists_the_default_rubric() -> None:
    res = perfscore("rubric", "show")
    assert res.code == 0
    assert "mysql.innodb_read_efficiency" in res.out and "Database performance" in res.out


def test_help_imports_no_heavy_clients() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from perfscore.cli.app import app; "
        "print(sorted(m for m in ('pydantic', 'pymysql', 'redis', 'psutil', 'jinja2', 'uvloop') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
