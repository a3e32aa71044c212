"""Domain errors carry a message the user can act on, already translated."""


class DomainError(Exception):
    """A rule of the plan refused the change; `message` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(DomainError):
    """The user may not do this to this object."""
