"""Upcoming contract events as a feed providers subscribe to: ``/opportunities.ics`` and
``/opportunities.csv``.

Both come from the saved query ``procurement-opportunities`` (window ``from``..``to``),
so the feed, the CSV and the SPARQL agree. Without ``from`` and ``to`` the window is today
onwards (``to`` 9999-12-31); when nothing lies in it (a corpus whose events are all past) it starts
instead a year before the most recent event's end, so the feed shows the most recent
events and any upcoming ones rather than a header alone. The window used is sent in the
``X-Carekg-Window`` header (``from/to``). The
iCalendar is written here (RFC 5545: CRLF lines folded at 75 octets, text escaped)
because it is a dozen lines, not worth a dependency.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, request

from carekg.api.app import settings, snapshot
from carekg.api.pages import local_path
from carekg.errors import UsageError
from carekg.graph.saved_queries import run_saved

bp = Blueprint("ics", __name__)

QUERY = "procurement-opportunities"
COLUMNS = ("start", "end", "period", "councilName", "eventTypeName", "serviceName", "quote",
           "fact", "council")


#: Days before the most recent event's end that the fallback window starts.
RECENT_DAYS = 365
#: The end of a window without ``to``: every upcoming event.
OPEN_END = "9999-12-31"


def today() -> date:
    """Today's date (a function, so tests can move the clock)."""
    return date.today()


def _rows(window: dict[str, str]) -> list[dict[str, str]]:
    result = run_saved(snapshot(), QUERY, window, base=settings().base)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def opportunities() -> tuple[list[dict[str, str]], dict[str, str]]:
    """The events of the window asked for, or of the default window; and that window."""
    now = today()
    given_from, given_to = request.args.get("from"), request.args.get("to")
    window = {"from": given_from or now.isoformat(),
              "to": given_to or OPEN_END}
    rows = _rows(window)
    if rows or given_from or given_to:
        return rows, window
    past = _rows({"from": "0001-01-01", "to": now.isoformat()})
    if not past:
        return rows, window
    latest = max(date.fromisoformat(r.get("end") or r["start"]) for r in past)
    window = {**window, "from": (latest - timedelta(days=RECENT_DAYS)).isoformat()}
    return _rows(window), window


def _window_header(window: dict[str, str]) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": "*",
            "Access-Control-Expose-Headers": "X-Carekg-Window",
            "X-Carekg-Window": f"{window['from']}/{window['to']}"}


def _bad_request(exc: Exception) -> Response:
    return Response(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")


@bp.route("/opportunities.csv")
def as_csv() -> Response:
    try:
        rows, window = opportunities()
    except UsageError as exc:
        return _bad_request(exc)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers=_window_header(window))


@bp.route("/opportunities.ics")
def as_ics() -> Response:
    try:
        rows, window = opportunities()
    except UsageError as exc:
        return _bad_request(exc)
    return Response(calendar(rows, request.host_url.rstrip("/")),
                    content_type="text/calendar; charset=utf-8",
                    headers=_window_header(window))


def calendar(rows: list[dict[str, str]], server: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//carekg//opportunities//EN",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:Adult social care contract events"]
    for row in rows:
        start = date.fromisoformat(row["start"])
        end = date.fromisoformat(row.get("end") or row["start"])
        what = row.get("eventTypeName") or "contract event"
        summary = f"{row.get('councilName', '')}: {what}"
        if row.get("serviceName"):
            summary += f" ({row['serviceName']})"
        page = local_path(row["fact"])
        lines += [
            "BEGIN:VEVENT",
            f"UID:{hashlib.sha1(row['fact'].encode()).hexdigest()}@carekg",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(_description(row))}",
            f"URL:{server + page if page else row['fact']}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _description(row: dict[str, Any]) -> str:
    parts = [f"Period as written: {row['period']}" if row.get("period") else "",
             f"\"{row['quote']}\"" if row.get("quote") else "", f"Source: {row['fact']}"]
    return "\n".join(p for p in parts if p)


def escape_text(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)
