"""Coalition's own tests/main_test.py (ported to Python 3, plus a token) against this server
with two real workers: it launches them itself, as the original did."""

import os
import signal
import subprocess
import sys

from conftest import CLIENT, HERE, free_port


def test_main_test_passes_against_this_server():
    env = dict(os.environ, COALITION_TEST_HOST="127.0.0.1", COALITION_TEST_PORT=str(free_port()), COALITION_TOKEN="legacy-admin-token-0123456789", PYTHONPATH=CLIENT)
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "legacy", "main_test.py")], cwd=os.path.join(HERE, "legacy"), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        # The original does not stop its server and workers when setUpClass fails: stop them all.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "Ran 9 tests" in text and "\nOK" in text, text
