"""Domain errors: raised by services, turned into HTTP answers by the views and error handlers."""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken. `message` is a translatable (lazy) string."""

    status = 422

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class ValidationError(DomainError):
    status = 422
