"""Due dates, when each student submitted, and the late policy that turns lateness into a deduction.

A due date and a policy are declared per assignment in ``assignment.toml``::

    due = 2026-11-20T23:59:00+01:00      # a TOML date-time with its UTC offset
    late = "10%/day, cap 50%, grace 15m"  # or "none" (the default) or "zero"

and a course run overrides either with ``grade --due ... --late-policy ...``.

When a student submitted comes from the best source the input has (:func:`submission_time`):
nbgrader's ``timestamp.txt`` (the time nbgrader recorded at submission, parsed by nbgrader's own
``parse_utc`` so both agree); else the LMS's late flag (Canvas marks late files, without the
time); else the newest modification time of the submitted files. Which one was used is recorded
with the grade, and shown to the student with the deduction.

Policies (:class:`LatePolicy`): ``none``; ``zero`` (no points after the deadline and its grace
period); ``P%/day`` (P percent of the points earned for each started day late, at most the
cap). All times are compared in UTC.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

NBGRADER_TIMESTAMP = "timestamp.txt"
DAY = dt.timedelta(days=1)


class PolicyError(ValueError):
    """A late policy or due date that cannot be read (the message says how to write it)."""


@dataclass(frozen=True)
class LatePolicy:
    kind: str = "none"               # none | zero | per_day
    percent_per_day: float = 0.0
    cap_percent: float = 100.0
    grace: dt.timedelta = dt.timedelta(0)

    def fraction(self, late_by: dt.timedelta) -> float:
        """The fraction of the earned points deducted for ``late_by`` past the due date."""
        if self.kind == "none" or late_by <= self.grace:
            return 0.0
        if self.kind == "zero":
            return 1.0
        days = math.ceil((late_by - self.grace) / DAY)  # each started day
        return min(days * self.percent_per_day, self.cap_percent) / 100.0

    def __str__(self) -> str:
        grace = f", grace {int(self.grace.total_seconds() // 60)}m" if self.grace else ""
        if self.kind == "per_day":
            return f"{self.percent_per_day:g}%/day, cap {self.cap_percent:g}%{grace}"
        return self.kind + grace


_PER_DAY = re.compile(r"^(\d+(?:\.\d+)?)\s*%\s*/\s*day$")
_CAP = re.compile(r"^cap\s*(\d+(?:\.\d+)?)\s*%$")
_GRACE = re.compile(r"^grace\s*(\d+)\s*(m|min|h)$")


def parse_policy(text: str) -> LatePolicy:
    """``"none"``, ``"zero"`` or ``"10%/day, cap 50%, grace 15m"`` (cap and grace optional)."""
    parts = [p.strip().lower() for p in str(text).split(",") if p.strip()]
    if not parts:
        return LatePolicy()
    kind, options = parts[0], parts[1:]
    fields: dict = {}
    if kind in ("none", "zero"):
        fields["kind"] = kind
    elif m := _PER_DAY.match(kind):
        fields.update(kind="per_day", percent_per_day=float(m.group(1)))
    else:
        raise PolicyError(f"unknown late policy {text!r}: write 'none', 'zero' or e.g. '10%/day, cap 50%, grace 15m'")
    for option in options:
        if (m := _CAP.match(option)) and kind not in ("none", "zero"):
            fields["cap_percent"] = float(m.group(1))
        elif m := _GRACE.match(option):
            fields["grace"] = dt.timedelta(minutes=int(m.group(1)) * (60 if m.group(2) == "h" else 1))
        else:
            raise PolicyError(f"unknown part {option!r} of the late policy {text!r} "
                              "(expected e.g. 'cap 50%' or 'grace 15m')")
    return LatePolicy(**fields)


def parse_due(value) -> dt.datetime | None:
    """A due date as an aware UTC datetime: a TOML date-time or an ISO 8601 string with an offset."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise PolicyError(f"cannot read the due date {value!r}: write it as 2026-11-20T23:59:00+01:00") from None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise PolicyError(f"the due date {value!r} needs a UTC offset, e.g. 2026-11-20T23:59:00+01:00")
    return value.astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class Deadline:
    due: dt.datetime | None = None
    policy: LatePolicy = LatePolicy()

    @classmethod
    def of(cls, config: dict, *, due: str | None = None, policy: str | None = None) -> "Deadline":
        """From ``assignment.toml``'s ``due`` and ``late``, overridden by ``due`` / ``policy``."""
        return cls(parse_due(due if due is not None else config.get("due")),
                   parse_policy(policy if policy is not None else config.get("late", "none")))


@dataclass(frozen=True)
class SubmittedAt:
    when: dt.datetime | None   # UTC, aware; None when only a late flag is known
    source: str                # "nbgrader timestamp.txt" | "LMS late flag" | "newest file time" | "unknown"
    late_flag: bool | None = None


def submission_time(folder: Path | None, *, submitted_at: str = "", late_flag: bool | None = None) -> SubmittedAt:
    """When this submission was handed in, from the best source there is (see the module docstring)."""
    if submitted_at:
        from nbgrader.utils import parse_utc

        return SubmittedAt(parse_utc(submitted_at).replace(tzinfo=dt.timezone.utc), "nbgrader timestamp.txt", late_flag)
    if late_flag is not None:
        return SubmittedAt(None, "LMS late flag", late_flag)
    newest = 0.0
    if folder is not None:
        for dirpath, _dirs, files in os.walk(folder):
            for name in files:
                if name != NBGRADER_TIMESTAMP:
                    newest = max(newest, os.lstat(os.path.join(dirpath, name)).st_mtime)
    if not newest:
        return SubmittedAt(None, "unknown")
    return SubmittedAt(dt.datetime.fromtimestamp(newest, dt.timezone.utc), "newest file time")


@dataclass
class Lateness:
    """What the grade records about lateness (plain data, stored in ``report.json``)."""
    due: str = ""              # ISO, UTC
    submitted: str = ""        # ISO, UTC; "" when unknown
    source: str = ""
    seconds_late: float = 0.0
    policy: str = "none"
    fraction: float = 0.0      # of the earned points deducted

    @property
    def is_late(self) -> bool:
        return self.seconds_late > 0

    def to_dict(self) -> dict:
        return asdict(self)

    def sentence(self, earned: float) -> str:
        """What the student reads, e.g. "Submitted 1 day 2 h after the due date (nbgrader
        timestamp.txt): 10% of your points deducted (10%/day, cap 50%), 1.8 points."."""
        if not self.is_late:
            return ""
        where = f" ({self.source})"
        late_by = _duration(self.seconds_late) if self.submitted else "after the due date, time unknown"
        head = f"Submitted {late_by} after the due date{where}" if self.submitted else f"Submitted late{where}"
        if not self.fraction:
            return f"{head}: within the grace period or no late policy, nothing deducted."
        return (f"{head}: {self.fraction * 100:g}% of your points deducted ({self.policy}), "
                f"{earned * self.fraction:g} points.")


def _duration(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes and not days else ""]
    return " ".join(p for p in parts if p) or "less than a minute"


def lateness(deadline: Deadline, submitted: SubmittedAt) -> Lateness:
    """The lateness of one submission under ``deadline`` (nothing when there is no due date).

    A late flag without a time counts as one started day late (the LMS says late, not by how much).
    """
    if deadline.due is None:
        return Lateness(source=submitted.source)
    out = Lateness(due=deadline.due.isoformat(), source=submitted.source, policy=str(deadline.policy))
    if submitted.when is not None:
        out.submitted = submitted.when.isoformat()
        late_by = submitted.when - deadline.due
    elif submitted.late_flag:
        late_by = DAY / 2  # one started day
    else:
        late_by = dt.timedelta(0)
    out.seconds_late = max(0.0, late_by.total_seconds())
    out.fraction = deadline.policy.fraction(late_by) if out.seconds_late else 0.0
    return out
