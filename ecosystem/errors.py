"""Domain errors raised by services, mapped once to HTTP statuses (ecosystem.api.exceptions)
and to page messages (ecosystem.portal.views)."""


class DomainError(Exception):
    """Base class. `message` is shown to people and says what to do next."""

    status_code = 400

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "detail": [self.message]}


class ValidationFailed(DomainError):
    """Input that breaks a rule (400). Carries per-field messages when there are several."""

    status_code = 400

    def __init__(self, message: str = "", *, field: str | None = None, errors=None):
        super().__init__(message, field=field)
        self.errors: dict[str, list[str]] | None = errors

    def as_dict(self) -> dict[str, list[str]]:
        if self.errors:
            return self.errors
        return super().as_dict()


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The object's state forbids the action (409)."""

    status_code = 409


class TooLarge(DomainError):
    """An upload over its size limit (413)."""

    status_code = 413
