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


class Problems(ValidationError):
    """Several refusals found together (a form's rows, a list's marks), so that all are said at
    once, each naming its field and row. `problems` holds them; the message is all of them."""

    def __init__(self, problems: list[DomainError]):
        flat = [p for problem in problems for p in problems_of(problem)]
        super().__init__(" ".join(str(p.message) for p in flat), field=flat[0].field if flat else None)
        self.problems = flat


def problems_of(error: DomainError) -> list[DomainError]:
    """The refusals an error stands for: itself, or each of a `Problems`."""
    return list(getattr(error, "problems", None) or [error])


class Collector:
    """Gathers refusals instead of stopping at the first:

        found = Collector()
        for row in rows:
            with found:
                check(row)
        found.done()      # raises the one refusal, or `Problems` for several
    """

    def __init__(self) -> None:
        self.problems: list[DomainError] = []

    def __enter__(self) -> "Collector":
        return self

    def __exit__(self, kind, error, tb) -> bool:
        if isinstance(error, ValidationError):
            self.problems.extend(problems_of(error))
            return True
        return False

    def add(self, message, field: str | None = None) -> None:
        self.problems.append(ValidationError(message, field=field))

    def done(self) -> None:
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise Problems(self.problems)
