"""The Python client against a real server with two real workers (see conftest.py)."""

import json
import os

import pytest

import coalition
from conftest import ADMIN


def test_a_typical_submit_script(conn, tmp_path):
    """Groups, frames, dependencies and `with conn:` edits, as a Maya/Nuke submitter writes them."""
    out = tmp_path / "order.txt"
    shot = conn.newJob(title="shot 010")  # no command: a group
    sim = conn.newJob(parent=shot, title="sim", command="echo sim >> {}".format(out))
    render = conn.newJob(parent=shot, title="render", state="PAUSED")
    frames = [conn.newJob(parent=render, title="frame {}".format(f), dir=str(tmp_path),
                          command="echo PROGRESS:50; echo frame{} >> {}".format(f, out)) for f in range(1, 5)]
    comp = conn.newJob(parent=shot, title="comp", command="echo comp >> {}".format(out), dependencies=[render])
    conn.setJobDependencies(render, [sim])

    # The frames wait in the paused render group; a frame added later waits too.
    late = conn.newJob(parent=render, title="frame 5", command="echo frame5 >> {}".format(out))
    assert conn.getJob(late).state == "PAUSED"
    frames.append(late)

    with conn:
        group = conn.getJob(render)
        group.paused = False
        for job in conn.getJobChildren(render):
            job.priority = 2000 - job.id  # earlier frames first
        conn.getJob(comp).title = "comp v2"

    done = conn.waitForJob(shot, timeout=120, interval=0.2)
    assert done.state == "FINISHED"
    assert (done.total, done.total_finished, done.total_errors) == (7, 7, 0)
    lines = out.read_text().split()
    assert lines[0] == "sim" and lines[-1] == "comp"
    assert sorted(lines[1:-1]) == ["frame{}".format(f) for f in range(1, 6)]
    assert conn.getJob(comp).title == "comp v2"
    assert conn.getJob(frames[0]).progress == 1
    assert [j.id for j in conn.getJobDependencies(comp)] == [render]


def test_a_tree_in_one_call_waited_for_and_its_log_streamed(conn, tmp_path):
    top = conn.submitTree({"title": "tree", "children": [
        {"title": "a", "ref": "a", "command": "echo a-start; sleep 0.5; echo é-end"},
        {"title": "b", "command": "echo b", "dependencies": ["a"]},
    ]})
    a, b = [j.id for j in conn.getJobChildren(top)]
    assert conn.getJob(b).state == "PENDING"
    log = "".join(conn.streamLog(a))
    assert "a-start" in log and "é-end" in log
    ended = conn.waitForJob(top, timeout=60, interval=0.2)
    assert ended.state == "FINISHED"
    assert "\nb\n" in conn.getLog(b)


def test_errors_name_the_problem(conn):
    with pytest.raises(coalition.CoalitionError) as refused:
        conn.newJob(title="x", command="true", priority="high")
    assert refused.value.status == 400 and refused.value.code == "validation"
    assert "priority" in str(refused.value)
    parent = conn.newJob(title="leaf", command="true", state="PAUSED")
    with pytest.raises(coalition.CoalitionError) as child:
        conn.newJob(title="child", command="true", parent=parent)
    assert "has a command" in str(child.value)
    with pytest.raises(coalition.CoalitionError):
        with conn:
            conn.getJob(parent).state = "DANCING"
    assert conn.getJob(parent).state == "PAUSED"
    with pytest.raises(coalition.CoalitionError):
        conn.getJob(parent).title = "outside a with block"


def test_batch_calls_return_what_they_skipped(conn):
    a = conn.newJob(title="a", command="true", state="PAUSED")
    assert conn.startJobs([a, 999999]) == ["999999"]
    assert conn.getJob(a).state in ("WAITING", "WORKING", "FINISHED")
    assert conn.deleteJobs([a, 888888]) == ["888888"]
    assert conn.stopWorkers(["no such worker"]) == ["no such worker"]


def test_a_failed_job_is_not_rerun_unless_asked(conn):
    once = conn.newJob(title="broken", command="exit 3")
    assert conn.waitForJob(once, timeout=60, interval=0.2).state == "ERROR"
    assert conn.getJob(once).run_done == 1
    twice = conn.newJob(title="flaky", command="exit 3", retry=1)
    job = conn.waitForJob(twice, timeout=60, interval=0.2)
    assert (job.state, job.run_done) == ("ERROR", 2)
    assert conn.resetErrorJobs([once]) == []


def test_the_token_comes_from_the_environment_a_file_or_the_argument(farm, monkeypatch, tmp_path):
    monkeypatch.delenv("COALITION_TOKEN", raising=False)
    monkeypatch.delenv("COALITION_TOKEN_FILE", raising=False)
    with pytest.raises(coalition.CoalitionError) as none:
        coalition.Connection(farm.host, farm.port).getWorkers()
    assert none.value.status == 401
    plain = tmp_path / "token"
    plain.write_text(ADMIN + "\n")
    assert len(coalition.Connection(farm.host, farm.port, token_file=str(plain)).getWorkers()) >= 2
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"admin": ADMIN, "worker": "w"}))
    monkeypatch.setenv("COALITION_TOKEN_FILE", str(tokens))
    assert coalition.Connection(farm.url).getAffinities()["1"] == coalition.Connection(token=ADMIN, host=farm.host, port=farm.port).getAffinities()["1"]
    monkeypatch.setenv("COALITION_TOKEN", "wrong")
    with pytest.raises(coalition.CoalitionError) as wrong:
        coalition.Connection(farm.host, farm.port).getWorkers()
    assert wrong.value.status == 401
    assert ADMIN not in str(wrong.value)


def test_workers_are_edited_even_before_they_connect(farm, conn):
    assert conn.editWorkers({"w3": {"affinity": "gpu"}}) == "1"
    gpu = conn.newJob(title="gpu job", command="true", affinity="gpu")
    proc = farm.start_worker("w3")
    try:
        job = conn.waitForJob(gpu, timeout=60, interval=0.2)
        assert (job.state, job.worker) == ("FINISHED", "w3")
    finally:
        from conftest import stop
        stop(proc)
        conn.deleteWorkers(["w3"])


def test_the_client_is_one_file_with_no_dependency():
    source = open(coalition.__file__).read()
    imports = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"codecs", "http", "json", "os", "time", "urllib"}
    assert os.path.basename(coalition.__file__) == "coalition.py"
