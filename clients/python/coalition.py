# -*- coding: utf-8 -*-
"""Python client of the Coalition server (Python 3.8+, standard library only).

A drop-in for the old ``api/coalition.py``: the same :class:`Connection`, :class:`Job`,
``with conn:`` batching and method names, so old submit scripts keep working. It also sends a
token (``COALITION_TOKEN``, a token file, or ``token=``) and offers what the new server adds:
:meth:`Connection.submitTree`, :meth:`Connection.waitForJob` and :meth:`Connection.streamLog`.

Licensed under the LGPL 2.1, like the old Coalition whose API it keeps (see LICENCE).
"""

import codecs
import http.client
import json
import os
import time
import urllib.parse

__all__ = ["Connection", "Job", "CoalitionError"]
__version__ = "0.1.0"

#: The header in which batch calls name the ids (or worker names) they skipped.
UNKNOWN_HEADER = "X-Coalition-Unknown"


class CoalitionError(Exception):
    """The server refused a request. ``str(error)`` is the server's answer, as before;
    ``status`` is the HTTP status and ``code`` the error code (``validation``, ``not_found``…)."""

    def __init__(self, message, status=None, code=None):
        super(CoalitionError, self).__init__(message)
        self.status = status
        self.code = code


def _read_token(token, token_file):
    """The token: given, else ``COALITION_TOKEN``, else a file (``token_file`` or
    ``COALITION_TOKEN_FILE``) holding the token or the server's ``tokens.json``."""
    if token:
        return token
    if os.environ.get("COALITION_TOKEN"):
        return os.environ["COALITION_TOKEN"].strip()
    path = token_file or os.environ.get("COALITION_TOKEN_FILE")
    if not path:
        return None
    with open(os.path.expanduser(path), "r") as f:
        text = f.read().strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        return data.get("admin") or data.get("token")
    return text


class Connection(object):
    """A connection to the coalition server.

    :param str host: The coalition server hostname (or a URL such as ``http://farm:19211``).
    :param int port: The coalition server port.
    :param str token: The token to send; by default ``COALITION_TOKEN`` or a token file.
    :param str token_file: A file holding the token, or the server's ``tokens.json``.
    :param float timeout: Seconds to wait for the server (None: no limit).
    """

    def __init__(self, host="localhost", port=19211, token=None, token_file=None, timeout=None):
        """Setup http connection."""
        self.IntoWith = False
        self.Jobs = {}
        self.Workers = {}
        https = False
        if "://" in host:
            url = urllib.parse.urlsplit(host)
            https = url.scheme == "https"
            host = url.hostname
            port = url.port or (443 if https else port)
        self._token = _read_token(token, token_file)
        self._Conn = (http.client.HTTPSConnection if https else http.client.HTTPConnection)(host, int(port), timeout=timeout)

    # ---- transport ---------------------------------------------------------------------

    def _request(self, method, command, body=None, headers=None):
        """Sends one request; a keep-alive connection the server closed meanwhile is reopened once."""
        headers = dict(headers or {})
        if self._token:
            headers["Authorization"] = "Bearer " + self._token
        for attempt in (1, 2):
            try:
                self._Conn.request(method, command, body, headers)
                res = self._Conn.getresponse()
                data = res.read()
                return res, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._Conn.close()
                if attempt == 2:
                    raise

    def _call(self, method, command, params=None):
        """Sends ``params`` as JSON (none when empty, as the old client did); returns the
        response and its body as text, or raises :class:`CoalitionError`."""
        if params:
            params = json.dumps(params)
        else:
            params = None
        res, data = self._request(method, command, params, {"Content-Type": "application/json"})
        text = data.decode("utf-8", "replace")
        if res.status == 200:
            return res, text
        code = None
        try:
            code = json.loads(text)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            pass
        raise CoalitionError(text, res.status, code)

    def _send(self, method, command, params=None):
        """Send message to server.

        :param str method: Http request method between "GET", "PUT", "POST" and "DELETE".
        :param str command: REST api URL.
        :param params: Optional parameters (sent as JSON).
        :return: The answer, as a string.
        :raises CoalitionError: when the server refuses the request.
        """
        return self._call(method, command, params)[1]

    def _batch(self, method, command, ids):
        """A batch call; returns the ids (or names) the server did not know and skipped."""
        res, _ = self._call(method, command, list(ids))
        skipped = res.getheader(UNKNOWN_HEADER)
        return [urllib.parse.unquote(s) for s in skipped.split(",")] if skipped else []

    # ---- the old API -------------------------------------------------------------------

    def newJob(self, parent=0, title='', command='', dir='', environment='',
               state="WAITING", paused=False, priority=1000, timeout=0,
               affinity='', user='', progress_pattern='', dependencies=[], **fields):
        """Create a :class:`Job`.

        :param int parent: The parent :class:`Job` id.
        :param str title: The :class:`Job` title.
        :param str command: The :class:`Job` command, or an empty string for a parent node.
        :param str dir: The :class:`Job` directory. This is the current directory when the :class:`Job` is run.
        :param str environment: The :class:`Job` environment variables.
        :param str state: "WAITING" or "PAUSED" (a paused job won't start until it is started or reset).
        :param bool paused: An alias of state "PAUSED".
        :param int priority: For a given hierarchy level, the job with the biggest priority is taken first.
        :param int timeout: The maximum duration of a run in seconds (0: no limit).
        :param str affinity: Comma separated keywords; a worker must have all of them.
        :param str user: The :class:`Job` user name.
        :param str progress_pattern: A regexp with '%percent' or '%one' reading the progression from the log.
        :param list(int) dependencies: Ids of the jobs to finish first.
        :param fields: Other job fields of the server (``retry``, ``url``, ``local_progress_pattern``…).
        :return: The :class:`Job` id.
        :rtype: int
        """
        params = dict(parent=parent, title=title, command=command, dir=dir, environment=environment,
                      state=state, paused=paused, priority=priority, timeout=timeout, affinity=affinity,
                      user=user, progress_pattern=progress_pattern, dependencies=dependencies)
        params.update(fields)
        return int(self._send("PUT", '/api/jobs', params))

    def getJob(self, id):
        """Get a :class:`Job` instance.

        :param int id: The id of the :class:`Job`.
        :rtype: :class:`Job`
        """
        return Job(json.loads(self._send('GET', '/api/jobs/' + str(id))), self)

    def getJobChildren(self, id):
        """Get :class:`Job` children instances (0: the root jobs).

        :rtype: list(:class:`Job`)
        """
        return [Job(r, self) for r in json.loads(self._send('GET', '/api/jobs/{id}/children'.format(id=id)))]

    def getJobDependencies(self, id):
        """Get the :class:`Job` instances on which the :class:`Job` depends.

        :rtype: list(:class:`Job`)
        """
        return [Job(r, self) for r in json.loads(self._send('GET', '/api/jobs/{}/dependencies'.format(id)))]

    def setJobDependencies(self, id, ids):
        """Set the :class:`Job` objects on which a job has a dependency ([] clears them).

        :param int id: the id of the job with dependencies
        :param list(int) ids: the ids of the jobs it depends on
        """
        return self._send("POST", '/api/jobs/' + str(id) + '/dependencies', ids)

    def setAffinities(self, data):
        """Name the affinity slots: ``{"1": "linux", "2": "win", …}``."""
        return self._send("POST", "/api/affinities", data)

    def getAffinities(self):
        """The affinity slots, ``{"1": "linux", …, "63": ""}``."""
        return json.loads(self._send("GET", "/api/affinities"))

    def getWorkers(self):
        """The workers, as dictionaries."""
        return json.loads(self._send("GET", '/api/workers'))

    def editWorkers(self, workers):
        """Set worker attributes: ``{"name": {"affinity": "linux", "active": 1}}``. A worker
        not seen yet can be set up before it first connects."""
        return self._send("POST", '/api/workers', workers)

    def __enter__(self):
        self.Jobs = {}
        self.Workers = {}
        self.IntoWith = True
        return self

    def __exit__(self, type, value, traceback):
        self.IntoWith = False
        if not isinstance(value, TypeError):
            if len(self.Jobs) > 0:
                self._send("POST", '/api/jobs', self.Jobs)
            if len(self.Workers) > 0:
                self._send("POST", '/api/workers', self.Workers)

    # ---- the rest of the REST API ------------------------------------------------------

    def deleteJobs(self, ids):
        """Delete jobs with their subtrees; returns the ids the server did not know."""
        return self._batch("DELETE", "/api/jobs", ids)

    def resetJobs(self, ids):
        """Reset jobs (WAITING, counters at 0); returns the unknown ids."""
        return self._batch("POST", "/api/resetjobs", ids)

    def resetErrorJobs(self, ids):
        """Reset the jobs in ERROR of these subtrees; returns the unknown ids."""
        return self._batch("POST", "/api/reseterrorjobs", ids)

    def startJobs(self, ids):
        """Start paused or failed jobs; returns the unknown ids."""
        return self._batch("POST", "/api/startjobs", ids)

    def pauseJobs(self, ids):
        """Pause jobs (a paused group holds the children added later); returns the unknown ids."""
        return self._batch("POST", "/api/pausejobs", ids)

    def deleteWorkers(self, names):
        """Forget workers; returns the unknown names."""
        return self._batch("DELETE", "/api/workers", names)

    def stopWorkers(self, names):
        """Stop workers (they take no more jobs); returns the unknown names."""
        return self._batch("POST", "/api/stopworkers", names)

    def startWorkers(self, names):
        """Start stopped workers; returns the unknown names."""
        return self._batch("POST", "/api/startworkers", names)

    def getLog(self, id):
        """The job's whole log, as a string."""
        return json.loads(self._send("GET", "/api/jobs/{}/log".format(id)))

    def getEvents(self, job=None, worker=None, howlong=None):
        """Job runs (worker, job, state, start, duration), filtered."""
        query = {k: v for k, v in (("job", job), ("worker", worker), ("howlong", howlong)) if v is not None}
        return json.loads(self._send("GET", "/api/events?" + urllib.parse.urlencode(query)))

    # ---- what the new server adds -------------------------------------------------------

    def submitTree(self, tree):
        """Submit a job with nested ``children`` (or a list of them) in one request.

        Jobs of the tree may depend on each other by ``ref``: ``{"ref": "sim", …}`` and
        ``"dependencies": ["sim"]``. Returns the top job's id (or the list of ids).
        """
        return json.loads(self._send("PUT", "/api/jobs", tree))

    def waitForJob(self, id, timeout=None, interval=1.0):
        """Wait until a job, or every leaf of a group's tree, has finished or failed.

        :param float timeout: seconds before giving up (None: wait as long as it takes).
        :return: the :class:`Job` as it ended (check ``state``, ``total_errors``).
        :raises TimeoutError: when ``timeout`` passes first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.getJob(id)
            if _ended(job):
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError("job {} is still {} after {} s".format(id, job.state, timeout))
            time.sleep(interval)

    def streamLog(self, id, follow=True, interval=0.5):
        """Yield the job's log as it grows, chunk by chunk (text).

        With ``follow`` it goes on until the job ends, then yields the rest and stops;
        without, it yields what is there now.
        """
        offset = 0
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            ended = (not follow) or _ended(self.getJob(id))
            res, data = self._request("GET", "/api/jobs/{}/log?format=text&offset={}".format(id, offset))
            if res.status != 200:
                raise CoalitionError(data.decode("utf-8", "replace"), res.status)
            if data:
                offset += len(data)
                text = decoder.decode(data)
                if text:
                    yield text
            if ended:
                rest = decoder.decode(b"", final=True)
                if rest:
                    yield rest
                return
            if not data:
                time.sleep(interval)


def _ended(job):
    """A leaf has ended when FINISHED or ERROR; a group when every leaf below has."""
    if not getattr(job, "is_parent", False) and not getattr(job, "total", 0):
        return job.state in ("FINISHED", "ERROR")
    return job.total > 0 and job.total_finished + job.total_errors >= job.total


class Job(object):
    """A job object returned by the :class:`Connection`. Don't create such objects yourself.
    Job properties should be modified into a Connection with block. Don't modify the id or the state properties directly.

    Its attributes are the server's job fields: id, parent, title, command, dir, environment,
    state, paused, worker, start_time, duration, ping_time, run_done, retry, timeout, priority,
    affinity, user, finished, errors, working, total, total_finished, total_errors,
    total_working, dependencies, url, progress, progress_pattern…
    """

    def __init__(self, d, conn):
        assert conn
        self.Conn = False
        self.__dict__.update(d)
        self.Conn = conn

    def __setattr__(self, attr, value):
        if attr != "Conn" and self.Conn:
            if self.Conn.IntoWith:
                w = self.Conn.Jobs.get(self.id)
                if not w:
                    w = {}
                    self.Conn.Jobs[self.id] = w
                w[attr] = value
            else:
                raise CoalitionError("Can't write attributes outside a connection block")
        super(Job, self).__setattr__(attr, value)

    def __repr__(self):
        return "<Job {} {!r} {}>".format(getattr(self, "id", "?"), getattr(self, "title", ""), getattr(self, "state", ""))
