"""The one error of the query path that is an HTTP answer: status, message, headers.

The protocol's refusals (405, 415, 406), the security policy's (403, 413) and the limits'
(429, 503, 504) are all this error, raised where the problem is found and turned into a
plain-text answer in one place, so none of them can leak as a 500 or a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Response
    from werkzeug.exceptions import HTTPException

PLAIN = "text/plain; charset=utf-8"


class HttpError(Exception):
    """A request refused or stopped, with the HTTP status and message the client gets."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        self.status = status
        self.message = message
        self.headers = headers or {}
        super().__init__(message)

    @classmethod
    def of(cls, exc: HTTPException) -> HttpError:
        """Werkzeug's error (a 404, a 405, a body too large) as one plain line, without
        Werkzeug's HTML or anything internal."""
        status = exc.code or 500
        return cls(status, f"{status} {exc.name}: {exc.description}",
                   {name: value for name, value in exc.get_headers()
                    if name.lower() not in ("content-type", "content-length")})

    def response(self) -> Response:
        from flask import Response  # not at import: the query workers import this module

        answer = Response(self.message + "\n", status=self.status, content_type=PLAIN)
        answer.headers.update(self.headers)
        return answer
