"""Domain errors raised by services and mapped back onto form fields or API responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``status`` is the HTTP status the web and API layers answer with."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    @classmethod
    def on(cls, field: str, reason: str) -> ValidationFailed:
        return cls(reason, {field: [reason]})


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
