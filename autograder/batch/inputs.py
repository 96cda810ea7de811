"""Submissions to grade: a folder with one sub-folder per student, or an LMS zip export.

Zip layouts understood (the first that fits):
  * one folder per student, possibly under a single top folder (Moodle: ``Name_123_assignsubmission_file_/``;
    an nbgrader ``submitted/<student>/<assignment>/`` tree works as a folder);
  * flat files named ``<student>_<...>_<original file name>`` (Canvas): grouped by ``<student>``, each
    file renamed to the graded module it ends with (``positional_encoding-1.py`` counts too);
  * a student folder holding one ``.zip`` and nothing else: that zip is unpacked in place.

Extraction never follows or creates symlinks, refuses absolute and ``..`` paths, and caps sizes
(zip bombs): a member over :data:`MAX_MEMBER` bytes or a total over :data:`MAX_TOTAL` is skipped.
"""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_MEMBER = 64 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 100_000
JUNK = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.@+ -]")


def student_name(raw: str) -> str:
    """A folder-safe student name (also the name in grades.csv)."""
    name = _UNSAFE.sub("_", raw).strip(" .") or "student"
    return name[:100]


def _members(zf: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    out, total = [], 0
    for info in zf.infolist()[:MAX_MEMBERS]:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        mode = info.external_attr >> 16
        if (info.is_dir() or path.is_absolute() or ".." in path.parts or not path.parts
                or stat.S_ISLNK(mode) or any(p in JUNK for p in path.parts)
                or info.file_size > MAX_MEMBER or total + info.file_size > MAX_TOTAL):
            continue
        total += info.file_size
        out.append((info, path))
    return out


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as src, dest.open("wb") as dst:
        copied = 0
        while chunk := src.read(1 << 20):
            copied += len(chunk)
            if copied > MAX_MEMBER:  # the header lied about the size
                break
            dst.write(chunk)


def _module_for(filename: str, modules: tuple[str, ...]) -> str | None:
    for module in modules:
        stem, suffix = module.rsplit(".", 1)
        if re.search(rf"(^|_){re.escape(stem)}(-\d+)?\.{re.escape(suffix)}$", filename):
            return module
    return None


def unpack_zip(archive: Path, dest: Path, modules: tuple[str, ...]) -> Path:
    """Unpack an LMS export into ``dest/<student>/...``; returns ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        members = _members(zf)
        tops = {p.parts[0] for _, p in members}
        nested = [(i, p) for i, p in members if len(p.parts) > 1]
        if len(tops) == 1 and nested and all(len(p.parts) > 2 for _, p in nested):
            members = [(i, PurePosixPath(*p.parts[1:])) for i, p in members if len(p.parts) > 1]  # one wrapper folder
        flat = [(i, p) for i, p in members if len(p.parts) == 1]
        for info, path in members:
            if len(path.parts) > 1:
                _extract(zf, info, dest / student_name(path.parts[0]) / Path(*path.parts[1:]))
        for info, path in flat:
            module = _module_for(path.name, modules)
            student = student_name(path.name.split("_", 1)[0])
            if module is not None or path.suffix == ".zip":
                _extract(zf, info, dest / student / (module or path.name))
    for folder in [p for p in dest.iterdir() if p.is_dir()]:
        inner = [p for p in folder.iterdir()]
        if len(inner) == 1 and inner[0].suffix == ".zip" and inner[0].is_file():
            with zipfile.ZipFile(inner[0]) as zf:
                for info, path in _members(zf):
                    _extract(zf, info, folder / Path(*path.parts))
            inner[0].unlink()
            _lift_single_folder(folder)
    return dest


def _lift_single_folder(folder: Path) -> None:
    """``alice/alice-a3/positional_encoding.py`` -> ``alice/positional_encoding.py``."""
    inner = list(folder.iterdir())
    if len(inner) == 1 and inner[0].is_dir():
        for item in inner[0].iterdir():
            item.rename(folder / item.name)
        inner[0].rmdir()


def discover(submissions: Path, staging: Path, modules: tuple[str, ...]) -> dict[str, Path]:
    """{student: folder} for a folder of sub-folders or an LMS zip (unpacked under ``staging``)."""
    submissions = Path(submissions)
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        submissions = unpack_zip(submissions, staging, modules)
    elif not submissions.is_dir():
        raise FileNotFoundError(f"{submissions} is neither a folder of submissions nor a zip file")
    return {p.name: p for p in sorted(submissions.iterdir())
            if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in JUNK}
