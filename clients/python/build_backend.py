"""A PEP 517 build backend of a few lines, standard library only, so that
`pip install ./clients/python` needs nothing from a package index (not even setuptools or
wheel): it builds the wheel of the one-module package `coalition`."""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "coalition_client"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
METADATA = """Metadata-Version: 2.1
Name: coalition-client
Version: {v}
Summary: Python client of the Coalition job farm server (a drop-in for the old api/coalition.py)
License: LGPL-2.1
Requires-Python: >=3.8
Description-Content-Type: text/markdown

""".format(v=VERSION)
WHEEL = "Wheel-Version: 1.0\nGenerator: coalition build_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _read(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "{},sha256={},{}".format(path, digest, len(data))


def _dist_info():
    return "{}-{}.dist-info".format(NAME, VERSION)


def _metadata():
    return (METADATA + _read("README.md").decode("utf-8")).encode("utf-8")


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, _dist_info())
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "wb") as f:
        f.write(_metadata())
    with open(os.path.join(info, "WHEEL"), "w") as f:
        f.write(WHEEL)
    return _dist_info()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "{}-{}-py3-none-any.whl".format(NAME, VERSION)
    info = _dist_info()
    files = [("coalition.py", _read("coalition.py")), (info + "/METADATA", _metadata()), (info + "/WHEEL", WHEEL.encode()), (info + "/LICENCE", _read("LICENCE"))]
    record = [_record_line(path, data) for path, data in files] + [info + "/RECORD,,"]
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as whl:
        for path, data in files:
            whl.writestr(path, data)
        whl.writestr(info + "/RECORD", "\n".join(record) + "\n")
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return build_wheel(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    base = "{}-{}".format(NAME, VERSION)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for file in ("coalition.py", "build_backend.py", "pyproject.toml", "README.md", "LICENCE"):
            data = _read(file)
            entry = tarfile.TarInfo(base + "/" + file)
            entry.size = len(data)
            tar.addfile(entry, io.BytesIO(data))
        pkg = ("Metadata-Version: 2.1\nName: coalition-client\nVersion: " + VERSION + "\n").encode()
        entry = tarfile.TarInfo(base + "/PKG-INFO")
        entry.size = len(pkg)
        tar.addfile(entry, io.BytesIO(pkg))
    return name
