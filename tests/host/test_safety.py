"""A server's binary is run with a timeout and a cap on its output; a failure is a reason, never output."""

from __future__ import annotations

import sys

from perfscore.host.safety import refuse, run_capped


def test_output_over_the_cap_is_not_read() -> None:
    errors: list[str] = []
    assert run_capped([sys.executable, "-c", "print('x' * 5000)"], errors, cap=1000) is None
    assert errors and "output, not read" in errors[0]


def test_a_binary_that_hangs_is_stopped() -> None:
    errors: list[str] = []
    assert run_capped([sys.executable, "-c", "import time; time.sleep(30)"], errors, timeout=0.5) is None
    assert errors and "no answer" in errors[0]


def test_a_failure_names_the_binary_and_its_last_line_only() -> None:
    errors: list[str] = []
    code = "import sys; print('secret=hunter2'); sys.stderr.write('first\\nnginx: [emerg] bad\\n'); sys.exit(1)"
    assert run_capped([sys.executable, "-c", code], errors) is None
    assert errors[0].endswith("failed: nginx: [emerg] bad") and "hunter2" not in errors[0]
    ok: list[str] = []
    assert run_capped([sys.executable, "-c", "print('ok')"], ok) == ("ok\n", "") and not ok


def test_a_binary_others_may_write_is_not_run(tmp_path: object) -> None:
    import os
    import tempfile

    with tempfile.NamedTemporaryFile() as f:
        os.chmod(f.name, 0o777)
        why = refuse(os.getpid(), os.getuid(), f.name)
    assert why is not None and "not run" in why
