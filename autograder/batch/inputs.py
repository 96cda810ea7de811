"""Submissions to grade, found in what instructors really have, one :class:`Submission` per student.

Layouts understood (``discover``):
  * a folder with one sub-folder per student; a student folder may hold its files under one or two
    wrapper folders (the shallowest folder holding a graded module is graded) or only a ``.zip``;
  * nbgrader's ``submitted/`` tree: ``<student>/<assignment id>/`` (with nbgrader's ``timestamp.txt``)
    is graded; a student without that folder is listed as not having submitted it;
  * a folder of per-student zips (``alice.zip``);
  * an LMS zip export, optionally under one wrapper folder:
      - Moodle, one folder per student and plugin (``Full Name_123_assignsubmission_file_/``), keyed
        ``Full Name_123``; the export carries no late flag;
      - Canvas, flat files ``<name>_[LATE_]<user id>_<submission id>_<file name>``, keyed
        ``<name>_<user id>`` (two students of one name stay apart), each graded module and the report
        notebook renamed back (``positional_encoding-1.py`` counts), ``LATE`` kept as the late flag.

Student names keep letters and digits of every script (``str.isalnum``); other characters become
``_``. A folder name that is not valid UTF-8 gets its undecodable bytes as ``_`` plus a hash of the
raw bytes; names that would still clash get a hash of their source. A name depends only on the
input, so a rerun finds the same students.

One student's unusable input (an unreadable, encrypted or damaged zip, a file and a folder of one
name, a path deeper than :data:`MAX_DEPTH`, a file over the size caps, no graded module) is that
student's :attr:`Submission.problem`, never an exception. A batch that cannot be right (no student,
one student's own folder, most students without any graded module) raises :class:`WrongInput`
before anything is graded.

Extraction is iterative (no recursion), never follows or creates symlinks, skips absolute and ``..``
paths, and caps sizes by the header and by the bytes actually read (zip bombs, lying headers).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..course import Assignment

MAX_MEMBER = 64 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 100_000  # entries of a student's own zip (an LMS export may hold 10 times as many)
MAX_DEPTH = 32          # folders below a student's folder
SEARCH_DEPTH = 3        # wrapper folders searched for the graded modules
MAX_NAME_BYTES = 200
RESERVED = {"_submissions", "grades.csv", "grading.log", "insights"}  # names the batch's --out folder uses itself
JUNK = {"__MACOSX", ".DS_Store", "__pycache__", ".ipynb_checkpoints", "Thumbs.db"}
_SAFE_PUNCTUATION = set("_.@+ -")
_MOODLE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assign(?:submission|feedback)_[A-Za-z]+_?$")
_CANVAS = re.compile(r"^(?P<name>.+?)_(?:(?P<late>late)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<file>.+)$", re.IGNORECASE)
NBGRADER_TIMESTAMP = "timestamp.txt"


class WrongInput(ValueError):
    """The submissions as a whole cannot be what was meant; the message says what was found and what to do."""


class BadInput(Exception):
    """One student's input cannot be used; ``reason`` is shown in their row."""

    def __init__(self, reason: str, *, no_graded_file: bool = False, seen: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason, self.no_graded_file, self.seen = reason, no_graded_file, seen


@dataclass(frozen=True)
class Submission:
    """One student's submission as found in the input (plain data).

    ``student``: the unique, folder-safe name (grades.csv, the ``--out`` sub-folder);
    ``folder``: the folder holding the graded modules (None when ``problem`` is set);
    ``source``: where it came from in the input (folder, zip or file prefix), printable;
    ``late``: the LMS flagged it late (Canvas ``LATE``); None when the input says nothing;
    ``submitted_at``: nbgrader's ``timestamp.txt`` as written, "" when unknown;
    ``problem``: why it cannot be graded ("" when it can): an input-error row, not a grade;
    ``no_graded_file``: the problem is that none of the graded modules was found (a student of an
    nbgrader tree without the assignment's folder has not submitted it: not counted here).
    """
    student: str
    folder: Path | None
    source: str
    late: bool | None = None
    submitted_at: str = ""
    problem: str = ""
    no_graded_file: bool = False


def student_name(raw: str) -> str:
    """A folder-safe name keeping letters and digits of any script; other characters become ``_``.

    Undecodable bytes (``os.fsdecode`` surrogate escapes) also become ``_``, and the name gets
    ``-`` and 8 hex digits of the raw bytes' SHA-256, so two such names never meet.
    """
    raw = unicodedata.normalize("NFC", raw)
    undecodable = any("\udc80" <= c <= "\udcff" for c in raw)
    name = "".join(c if c.isalnum() or c in _SAFE_PUNCTUATION else "_" for c in raw).strip(" .") or "student"
    name = _cut(name)
    if undecodable:
        name = f"{name}-{_digest(raw)}"
    return name


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _cut(name: str) -> str:
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name


def _printable(text: str) -> str:
    """``text`` with undecodable bytes shown as ``\\xNN`` (safe to write as UTF-8)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


# --- where a student's graded modules are ----------------------------------------------------------
def _module_for(filename: str, wanted: tuple[str, ...]) -> str | None:
    """The graded module or notebook ``filename`` stands for (LMS renames: ``x-1.py``, ``name_x.py``)."""
    for module in wanted:
        stem, _, suffix = module.rpartition(".")
        if re.search(rf"(^|_){re.escape(stem)}(-\d+)?\.{re.escape(suffix)}$", filename):
            return module
    return None


def _scan(folder: Path, limit_depth: int) -> tuple[list[tuple[int, Path]], int]:
    """(depth, directory) of every real directory under ``folder`` up to ``limit_depth`` (iterative),
    and the deepest depth seen (``limit_depth + 1`` when the tree goes further)."""
    found, deepest = [(0, folder)], 0
    stack = [(0, folder)]
    while stack and len(found) < 20_000:
        depth, here = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name in JUNK or entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                continue
            deepest = max(deepest, depth + 1)
            if depth + 1 > limit_depth:
                continue
            found.append((depth + 1, Path(entry.path)))
            stack.append((depth + 1, Path(entry.path)))
    return found, deepest


def _graded_files(folder: Path, modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if (folder / m).is_file() and not (folder / m).is_symlink()]


def _locate(folder: Path, assignment: Assignment) -> Path:
    """The folder to grade inside a student's ``folder``: the shallowest one holding a graded module."""
    dirs, deepest = _scan(folder, MAX_DEPTH)
    if deepest > MAX_DEPTH:
        raise BadInput(f"the submission has folders more than {MAX_DEPTH} levels deep")
    hits: dict[int, list[Path]] = {}
    for depth, d in dirs:
        if depth <= SEARCH_DEPTH and _graded_files(d, assignment.modules):
            hits.setdefault(depth, []).append(d)
    if hits:
        shallowest = hits[min(hits)]
        if len(shallowest) > 1:
            names = ", ".join(f"{p.relative_to(folder).as_posix()}/" for p in shallowest[:3])
            raise BadInput(f"graded files found in {len(shallowest)} folders ({names}): cannot tell which to grade")
        return shallowest[0]
    files = [p for _, d in dirs for p in _files(d)]
    seen = tuple(sorted({_printable(p.name) for p in files if p.suffix.lower() in (".py", ".ipynb", ".zip")}))
    found = (f"; found {', '.join(seen[:5])}{' ...' if len(seen) > 5 else ''}" if seen
             else "; the folder is empty" if not files else "")
    raise BadInput(f"no graded file found: expected {' or '.join(assignment.modules)}{found}",
                   no_graded_file=True, seen=seen)


def _files(folder: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(folder)
                if e.is_file(follow_symlinks=False) and e.name not in JUNK]
    except OSError:
        return []


# --- zip extraction -----------------------------------------------------------------------------
def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name; UTF-8 names written without the UTF-8 flag (common) are decoded as UTF-8."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _entries(zf: zipfile.ZipFile, label: str, limit: int | None = None) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """(info, path parts) of the usable entries: no absolute or ``..`` paths, no links, no junk."""
    limit = limit or MAX_MEMBERS
    if len(zf.infolist()) > limit:
        raise BadInput(f"{label} holds {len(zf.infolist())} entries (the limit is {limit})")
    out = []
    for info in zf.infolist():
        path = PurePosixPath(_entry_name(info))
        mode = info.external_attr >> 16
        parts = tuple(p for p in path.parts if p not in ("", "."))
        if (path.is_absolute() or ".." in parts or not parts or stat.S_ISLNK(mode)
                or any(p in JUNK for p in parts)):
            continue
        out.append((info, parts))
    return out


def _mkdirs(path: Path, root: Path) -> None:
    """``mkdir -p`` below ``root`` without recursion (``Path.mkdir(parents=True)`` recurses)."""
    todo = []
    while path != root and not path.is_dir():
        todo.append(path)
        path = path.parent
    for p in reversed(todo):
        p.mkdir()


def _extract(zf: zipfile.ZipFile, entries: list[tuple[zipfile.ZipInfo, tuple[str, ...]]], dest: Path,
             label: str) -> None:
    """Write ``entries`` under ``dest``; raises BadInput (reason prefixed with ``label``) on any problem."""
    files: dict[tuple[str, ...], zipfile.ZipInfo] = {}
    dirs: set[tuple[str, ...]] = set()
    for info, parts in entries:
        if len(parts) > MAX_DEPTH:
            raise BadInput(f"{label} holds a path {len(parts)} levels deep (the limit is {MAX_DEPTH})")
        if info.is_dir():
            dirs.add(parts)
            continue
        if info.flag_bits & 0x1:
            raise BadInput(f"{label} is password-protected: upload it without a password")
        if info.file_size > MAX_MEMBER:
            raise BadInput(f"{label}: {'/'.join(parts)} is {info.file_size / 2**20:.0f} MB "
                           f"(the limit is {MAX_MEMBER // 2**20} MB per file)")
        files[parts] = info
        dirs.update(parts[:i] for i in range(1, len(parts)))
    clash = sorted(dirs & files.keys())
    if clash:
        raise BadInput(f"{label} holds a file and a folder both named {'/'.join(clash[0])!r}")
    if sum(i.file_size for i in files.values()) > MAX_TOTAL:
        raise BadInput(f"{label} unpacks to more than {MAX_TOTAL // 2**30} GB")
    total = 0
    for parts, info in sorted(files.items()):
        target = dest.joinpath(*parts)
        try:
            _mkdirs(target.parent, dest)
            with zf.open(info) as src, target.open("wb") as dst:
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += len(chunk)
                    total += len(chunk)
                    if copied > info.file_size or copied > MAX_MEMBER or total > MAX_TOTAL:
                        raise BadInput(f"{label}: {'/'.join(parts)} is larger than its header says")
                    dst.write(chunk)
        except BadInput:
            raise
        except RuntimeError as exc:  # zipfile: encrypted entries without the flag we checked
            raise BadInput(f"{label} could not be read: {exc}") from None
        except NotImplementedError as exc:
            raise BadInput(f"{label} uses a compression method that cannot be read ({exc}): zip it again with "
                           f"the standard method (deflate)") from None
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise BadInput(f"{label} is damaged ({_printable(str(exc))}): upload it again") from None
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise BadInput(f"{label}: {_printable('/'.join(parts))!r} could not be written ({reason})") from None


def _unpack_own_zip(archive: Path, dest: Path) -> None:
    """A student's own zip, unpacked (once: a zip inside it stays a file) into ``dest``."""
    label = _printable(archive.name)
    try:
        with zipfile.ZipFile(archive) as zf:
            _extract(zf, _entries(zf, label), dest, label)
    except BadInput:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise BadInput(f"{label} is not a readable zip file ({_printable(str(exc))})") from None


# --- candidates: one per student, before names are made unique -----------------------------------
@dataclass
class _Candidate:
    raw: str                    # the student's identifier as found (folder name, Canvas name_uid)
    source: str
    late: bool | None = None
    folder: Path | None = None  # a folder of the input (used in place)
    archive: Path | None = None  # the student's own zip
    zip_entries: list | None = None  # entries of the batch zip, relative to the student
    problem: str = ""


def _from_folder(root: Path, staging: Path) -> list[_Candidate]:
    out: dict[str, _Candidate] = {}
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name.startswith(".") or entry.name in JUNK or _is_above(path, staging):
            continue
        if entry.is_dir():  # a link the instructor made to a student's folder is followed
            c = _Candidate(_student_of_folder(entry.name), _printable(entry.name) + "/", folder=path)
        elif entry.is_file() and entry.name.lower().endswith(".zip"):
            c = _Candidate(_student_of_folder(entry.name[:-4]), _printable(entry.name), archive=path)
        else:
            continue
        if c.raw in out and _MOODLE.match(entry.name) and "_assignsubmission_file" not in entry.name:
            continue  # Moodle's online-text folder next to the student's file folder
        key = c.raw if _MOODLE.match(entry.name) else c.source
        out[key] = c
    return list(out.values())


def _is_above(path: Path, staging: Path) -> bool:
    try:
        staging.resolve().relative_to(path.resolve())
        return True
    except ValueError:
        return False


def _student_of_folder(name: str) -> str:
    moodle = _MOODLE.match(name)
    return f"{moodle['name']}_{moodle['id']}" if moodle else name


def _from_zip(zf: zipfile.ZipFile, assignment: Assignment, label: str) -> list[_Candidate]:
    try:
        entries = [(i, parts) for i, parts in _entries(zf, label, 10 * MAX_MEMBERS) if not i.is_dir()]
    except BadInput as exc:
        raise WrongInput(f"{exc.reason}: is this an LMS export?") from None
    tops = {parts[0] for _, parts in entries}
    if len(tops) == 1 and not _MOODLE.match(next(iter(tops))):
        second_dirs = {parts[1] for _, parts in entries if len(parts) > 2}
        second_files = {parts[1] for _, parts in entries if len(parts) == 2}
        canvas = not second_dirs and any(_CANVAS.match(f) for f in second_files)
        if canvas or (second_dirs and assignment.id not in second_dirs
                      and not second_files & {*assignment.modules, NBGRADER_TIMESTAMP}
                      and (len(second_dirs) > 1 or not second_files)):
            entries = [(i, parts[1:]) for i, parts in entries if len(parts) > 1]  # one wrapper folder
    own = [parts[0] for _, parts in entries if len(parts) == 1 and parts[0] in (*assignment.modules, NBGRADER_TIMESTAMP)]
    if own:
        raise WrongInput(f"{label} holds {own[0]} at its top, so it looks like ONE student's zip, not an export of "
                         f"all submissions. Pass the LMS export (one entry per student), or grade this one with "
                         f"`python -m autograder check {assignment.id} --submission <its unpacked folder>`.")
    wanted = (*assignment.modules, *((assignment.notebook,) if assignment.notebook else ()))
    by_student: dict[str, _Candidate] = {}
    for info, parts in entries:
        if len(parts) > 1:
            raw = _student_of_folder(parts[0])
            c = by_student.setdefault(raw, _Candidate(raw, f"{label}: {parts[0]}/", zip_entries=[]))
            c.zip_entries.append((info, parts[1:]))
            continue
        canvas = _CANVAS.match(parts[0])
        if canvas:
            raw, filename, late = f"{canvas['name']}_{canvas['uid']}", canvas["file"], bool(canvas["late"])
        else:  # <student>_<graded file>, or a stray file that belongs to nobody
            raw, _, filename = parts[0].partition("_")
            late = None
            if not raw or not (_module_for(filename, wanted) or filename.lower().endswith(".zip")):
                continue
        c = by_student.setdefault(raw, _Candidate(raw, f"{label}: {raw}_*", zip_entries=[]))
        if late is not None:
            c.late = bool(c.late) or late
        c.zip_entries.append((info, (_module_for(filename, wanted) or filename,)))
    return list(by_student.values())


# --- discovery ----------------------------------------------------------------------------------
def discover(submissions: Path, staging: Path, assignment: Assignment) -> dict[str, Submission]:
    """{student: Submission} for every student in ``submissions`` (a folder or an LMS zip).

    Zips (the export, a student's own) are unpacked under ``staging`` (emptied first); folders are
    used in place. Raises :class:`WrongInput` when the input as a whole cannot be right.
    """
    submissions, staging = Path(submissions), Path(staging)
    if staging.exists():
        shutil.rmtree(staging)
    try:
        return _discover(submissions, staging, assignment)
    except WrongInput:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _discover(submissions: Path, staging: Path, assignment: Assignment) -> dict[str, Submission]:
    zf = None
    if submissions.is_dir():
        _check_not_one_student(submissions, assignment)
        candidates = _from_folder(submissions, staging)
    elif submissions.is_file():
        try:
            zf = zipfile.ZipFile(submissions)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise WrongInput(f"{submissions} is not a readable zip file ({_printable(str(exc))}): pass a folder "
                             "with one sub-folder per student, nbgrader's submitted/ folder, or the zip your LMS "
                             "exported") from None
    else:
        raise WrongInput(f"{submissions} does not exist: pass a folder with one sub-folder per student, "
                         "nbgrader's submitted/ folder, or the zip your LMS exported")
    found: dict[str, Submission] = {}
    seen: dict[str, tuple[str, ...]] = {}
    try:
        if zf is not None:
            candidates = _from_zip(zf, assignment, _printable(submissions.name))
        names = _unique_names(candidates)
        nbgrader = any((c.folder / assignment.id).is_dir() if c.folder is not None
                       else any(p[0] == assignment.id for _, p in c.zip_entries or ()) for c in candidates)
        for c in candidates:
            found[names[id(c)]], seen[names[id(c)]] = _prepare(c, names[id(c)], staging, assignment, zf, nbgrader)
    finally:
        if zf is not None:
            zf.close()
    _check_batch(found, seen, submissions, assignment, nbgrader)
    return dict(sorted(found.items()))


def _unique_names(candidates: list[_Candidate]) -> dict[int, str]:
    """A stable, unique name per candidate: ``student_name(raw)``, plus a hash of the source on a clash
    (or when the name is one the ``--out`` folder uses itself)."""
    names = {id(c): student_name(c.raw) for c in candidates}
    count = Counter(names.values())
    for c in candidates:
        if count[names[id(c)]] > 1 or names[id(c)] in RESERVED:
            names[id(c)] = f"{_cut(names[id(c)])}-{_digest(c.source)}"
    return names


def _prepare(c: _Candidate, student: str, staging: Path, assignment: Assignment, zf: zipfile.ZipFile | None,
             nbgrader: bool) -> tuple[Submission, tuple[str, ...]]:
    """Unpack what needs unpacking and find the folder to grade; a problem goes into the Submission.
    Also returns the names of the code files seen when no graded file was found."""
    here = staging / student
    submitted_at, folder = "", c.folder
    try:
        if c.zip_entries is not None:
            _extract(zf, c.zip_entries, _fresh(here), c.source)
            folder = here
        elif c.archive is not None:
            _unpack_own_zip(c.archive, _fresh(here))
            folder = here
        if nbgrader:
            if not (folder / assignment.id).is_dir():
                others = sorted(_printable(p.name) for p in folder.iterdir() if p.is_dir())
                raise BadInput(f"nothing submitted for {assignment.id} (no {assignment.id}/ folder in nbgrader's "
                               f"{c.source}{'; found ' + ', '.join(others[:5]) if others else ''})")
            folder = folder / assignment.id
            stamp = folder / NBGRADER_TIMESTAMP
            if stamp.is_file() and not stamp.is_symlink():
                submitted_at = stamp.read_text(errors="replace")[:100].strip()
        try:
            folder = _locate(folder, assignment)
        except BadInput as exc:
            zips = sorted(p for p in _files(folder) if p.suffix.lower() == ".zip")
            if not exc.no_graded_file or not zips:
                raise
            ours = staging in folder.parents
            folder = _locate(_own_zips(folder, zips, folder if ours else _fresh(here)), assignment)
    except BadInput as exc:
        return (Submission(student, None, c.source, c.late, submitted_at, exc.reason, exc.no_graded_file),
                exc.seen)
    return Submission(student, folder, c.source, c.late, submitted_at), ()


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _own_zips(folder: Path, zips: list[Path], dest: Path) -> Path:
    """A student folder holding zips and no graded module: its loose files and every zip's content,
    unpacked once, in ``dest``; an input folder (``dest`` elsewhere) is never written to."""
    for f in _files(folder) if dest != folder else ():
        if f.suffix.lower() != ".zip":
            shutil.copyfile(f, dest / f.name)
    for archive in zips:
        _unpack_own_zip(archive, dest)
        if dest == folder:
            archive.unlink()
    return dest


def _check_not_one_student(folder: Path, assignment: Assignment) -> None:
    from ..course import assignments

    graded = _graded_files(folder, assignment.modules)
    if graded or (folder / NBGRADER_TIMESTAMP).is_file():
        what = graded[0] if graded else NBGRADER_TIMESTAMP
        raise WrongInput(f"{folder} holds {what} itself, so it looks like ONE student's folder, not a folder of "
                         f"submissions. Pass the folder that holds one sub-folder per student (for nbgrader: "
                         f"build/nbgrader/submitted), or grade this one with `python -m autograder check "
                         f"{assignment.id} --submission {folder}`.")
    ids = {a.id for a in assignments(assignment.root)}
    held = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name in ids)
    if held:
        raise WrongInput(f"{folder} holds assignment folders ({', '.join(held[:3])}), so it looks like ONE student's "
                         f"nbgrader folder (or a course folder), not a folder of submissions. Pass the folder that "
                         f"holds one sub-folder per student (for nbgrader: build/nbgrader/submitted).")


def _check_batch(found: dict[str, Submission], seen: dict[str, tuple[str, ...]], submissions: Path,
                 assignment: Assignment, nbgrader: bool) -> None:
    if not found:
        canvas = submissions.is_dir() and any(_CANVAS.match(p.name) for p in _files(submissions))
        raise WrongInput(f"{submissions} holds no student submissions (expected one sub-folder or zip per student, "
                         f"nbgrader's submitted/ folder, or an LMS zip export)"
                         + ("; its files are named like a Canvas export: pass the zip Canvas gave you" if canvas
                            else "") + ". Nothing was graded.")
    missing = [s.student for s in found.values() if s.no_graded_file]
    if len(missing) * 2 <= len(found):
        return
    from ..course import assignments

    held = Counter(name for student in missing for name in seen.get(student, ()) if name.endswith(".py"))
    graded_in = {m: a.id for a in assignments(assignment.root) if a.id != assignment.id for m in a.modules}
    what = ", ".join(f"{name} ({n})" + (f", which {graded_in[name]} grades" if name in graded_in else "")
                     for name, n in held.most_common(3))
    expected = "none of " + ", ".join(assignment.modules) + (f" in their {assignment.id}/ folder" if nbgrader else "")
    raise WrongInput(f"{len(missing)} of {len(found)} submissions in {submissions} have {expected}"
                     + (f" (they hold {what})" if what else "")
                     + f". Is {assignment.id} the right assignment and this the right folder? Nothing was graded.")
