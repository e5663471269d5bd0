"""Fixtures: a real Coalition server of this repository with two real workers, on 127.0.0.1."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(CLIENT, "..", ".."))
MAIN = os.path.join(REPO, "headless", "main.ts")
ADMIN = "pytest-admin-token-0123456789"
WORKER = "pytest-worker-token-0123456789"

# The ported main_test.py is run as a script by test_legacy_main_test.py, not collected.
collect_ignore_glob = ["legacy/*"]

sys.path.insert(0, CLIENT)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, seconds=60.0):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as e:  # not up yet
            last = e
        time.sleep(0.05)
    raise AssertionError("timed out waiting for {} ({})".format(what, last))


def start(args, env):
    """A node process of this repository in its own process group (stopped with all it started)."""
    return subprocess.Popen(["node", "--import", "tsx", MAIN] + args, cwd=REPO, env=dict(os.environ, COALITION_LOG_LEVEL="warn", **env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Farm(object):
    def __init__(self, port, data):
        self.host = "127.0.0.1"
        self.port = port
        self.url = "http://127.0.0.1:{}".format(port)
        self.data = data
        self.admin = ADMIN
        self.procs = []

    def get(self, path, token=ADMIN):
        req = urllib.request.Request(self.url + path, headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read().decode("utf-8"))

    def start_worker(self, name, *extra):
        proc = start(["worker", "--server", self.url, "--name", name, "--heartbeat", "0.2"] + list(extra), {"COALITION_WORKER_TOKEN": WORKER})
        self.procs.append(proc)
        wait_for("worker " + name, lambda: any(w["name"] == name for w in self.get("/api/workers")))
        return proc


@pytest.fixture(scope="session")
def farm():
    """The server with two workers (w1, w2), shared by the tests of a session."""
    data = tempfile.mkdtemp(prefix="coalition-pytest-")
    port = free_port()
    f = Farm(port, data)
    server = start(["server", "--host", "127.0.0.1", "--port", str(port), "--data", data, "--servermode", "normal"],
                   {"COALITION_ADMIN_TOKEN": ADMIN, "COALITION_WORKER_TOKEN": WORKER})
    f.procs.append(server)
    try:
        wait_for("the server", lambda: server.poll() is None and f.get("/api/session"))
        f.start_worker("w1")
        f.start_worker("w2")
        yield f
    finally:
        for proc in reversed(f.procs):
            stop(proc)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def conn(farm, monkeypatch):
    """A client connection with the admin token from COALITION_TOKEN, on an empty farm."""
    import coalition

    monkeypatch.setenv("COALITION_TOKEN", ADMIN)
    c = coalition.Connection(farm.host, farm.port)
    roots = [j.id for j in c.getJobChildren(0)]
    if roots:
        c.deleteJobs(roots)
    return c
