"""`pip install ./clients/python` works offline: no dependency, nothing to download."""

import os
import subprocess
import sys

from conftest import CLIENT


def test_pip_installs_the_package_offline(tmp_path):
    target = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-cache-dir", "--disable-pip-version-check", "--target", str(target), CLIENT],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(os.environ, PIP_NO_INPUT="1"), timeout=300,
    )
    assert run.returncode == 0, run.stdout.decode()
    assert (target / "coalition.py").exists()
    probe = subprocess.run([sys.executable, "-c", "import coalition, sys; print(coalition.__file__); print(coalition.Connection.__name__)"],
                           cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=str(target)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert probe.returncode == 0, probe.stdout.decode()
    assert probe.stdout.decode().splitlines() == [str(target / "coalition.py"), "Connection"]
    metadata = next(target.glob("coalition_client-*.dist-info")) / "METADATA"
    assert "Requires-Dist" not in metadata.read_text()
