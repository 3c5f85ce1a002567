"""A Slack workspace export, as a zip, its unpacked folder, or an https URL
to the zip: its JSON files, one conversation's days in order, and the
files it holds. Read one file at a time, so memory stays flat."""

import json
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import requests

DAY = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
# Where an export holds the bytes of a message's files, when it does
# (export_chat writes them so): __uploads/<file id>/<name>.
UPLOADS = "__uploads"


class ExportProblem(Exception):
    """Something in the export cannot be read: where, and why."""

    def __init__(self, where, what):
        super().__init__(f"{where}: {what}")
        self.where, self.what = where, what


class Export:
    """Read access to an export's members by their paths inside it."""

    def __init__(self, names, opener):
        self._names = names
        self._open = opener

    def json(self, name, default=None):
        """Return a top-level JSON file's content, or default if it is absent."""
        if name not in self._names:
            if default is None:
                raise ExportProblem(name, "missing")
            return default
        return self._load(name)

    def days(self, folder):
        """Yield (path, read) for each day of a conversation, oldest first;
        read() returns its messages or raises ExportProblem."""
        prefix = f"{folder}/"
        paths = sorted(
            name
            for name in self._names
            if name.startswith(prefix) and DAY.fullmatch(name[len(prefix) :])
        )
        for path in paths:
            yield path, lambda path=path: self._load(path)

    def holds_file(self, file_id, name):
        """Whether the export holds the bytes of a message's file."""
        return self._file_path(file_id, name) in self._names

    def file(self, file_id, name):
        """Return the bytes of a message's file, which the export holds."""
        with self._open(self._file_path(file_id, name)) as member:
            return member.read()

    def _file_path(self, file_id, name):
        return f"{UPLOADS}/{file_id}/{PurePosixPath(name).name}"

    def _load(self, name):
        try:
            with self._open(name) as member:
                return json.load(member)
        except (ValueError, UnicodeDecodeError) as problem:
            raise ExportProblem(name, f"not JSON ({problem})") from None


@contextmanager
def opened(source):
    """Open an export at a path (zip or folder) or an https URL."""
    if re.match(r"https?://", source):
        with _downloaded(source) as path, opened(str(path)) as export:
            yield export
        return
    path = Path(source)
    if path.is_dir():
        names = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}
        yield Export(names, lambda name: (path / name).open("rb"))
        return
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as problem:
        raise ExportProblem(source, f"not a zip file or folder ({problem})") from None
    with archive:
        names = {info.filename for info in archive.infolist() if not info.is_dir()}
        yield Export(names, archive.open)


@contextmanager
def _downloaded(url):
    """Stream the export to a temporary file; the operator chose the URL."""
    with tempfile.NamedTemporaryFile(suffix=".zip") as kept:
        try:
            with requests.get(url, stream=True, timeout=30) as response:
                response.raise_for_status()
                shutil.copyfileobj(response.raw, kept)
        except requests.RequestException as problem:
            raise ExportProblem(url, f"could not download ({problem})") from None
        kept.flush()
        yield Path(kept.name)
