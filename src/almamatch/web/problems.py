"""Problem documents (RFC 9457): what the HTTP API answers when it cannot give a decision.

Theory of operation: every answer that is not a decision, a bib or a page is a problem document,
``application/problem+json``, with the members RFC 9457 defines (``type``, ``title``, ``status``,
``detail``) and almamatch's ``code``, a reason a program can act on (the same codes the readers
and errors carry). Bad input is a 4xx: the request's own fault, said in one sentence. The
middleware turns every error on the way out into one, so that no answer is a traceback: an
``AlmamatchError`` is the client's input (422 unless the handler said otherwise), aiohttp's own
HTTP errors keep their status (404, 405, 413...), and anything else is logged and answered 500
with no detail. RFC 9457 section 3.1.1: "type" is a URI reference identifying the problem type;
the ``.invalid`` host says these are names, not pages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web

from almamatch.core.errors import AlmamatchError

__all__ = ["PROBLEM_TYPE", "Problem", "problem_middleware", "problem_response"]

PROBLEM_TYPE: Final = "https://almamatch.invalid/problems/"
MEDIA_TYPE: Final = "application/problem+json"

_log = logging.getLogger("almamatch.web")


class Problem(Exception):
    """A request the API refuses: status, a reason code, one sentence, extension members."""

    def __init__(self, status: int, code: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extensions = extensions

    def document(self) -> dict[str, Any]:
        return {
            "type": PROBLEM_TYPE + self.code,
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extensions,
        }


def problem_response(problem: Problem) -> web.Response:
    return web.Response(status=problem.status, content_type=MEDIA_TYPE,
                        text=json.dumps(problem.document(), ensure_ascii=False))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _from_http(error: web.HTTPException) -> Problem:
    code = HTTPStatus(error.status).phrase.lower().replace(" ", "_")
    detail = error.text if error.text and not error.text.startswith(f"{error.status}:") else (
        error.reason)
    return Problem(error.status, code, detail)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error on the way out, as a problem document; nothing else changes."""
    try:
        return await handler(request)
    except Problem as problem:
        return problem_response(problem)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return problem_response(_from_http(error))
    except AlmamatchError as error:
        return problem_response(Problem(422, "invalid_input", " ".join(str(error).split())))
    except Exception:
        _log.exception("%s %s failed", request.method, request.path)
        return problem_response(Problem(500, "internal_error", "The server could not answer; "
                                        "the error is in its log."))
