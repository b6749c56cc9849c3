"""The positions slice's errors (subclasses of the one ``AICoachError`` tree)."""

from __future__ import annotations

from aicoach.errors import ConflictError, NotFoundError, ValidationFailedError


class PositionNotFoundError(NotFoundError):
    code = "position_not_found"


class StrategyNotFoundError(NotFoundError):
    code = "strategy_not_found"


class PositionInputError(ValidationFailedError):
    code = "position_invalid"


class StrategyClosedError(ConflictError):
    """A closed strategy is history: it cannot be closed again, and its legs cannot change."""

    code = "strategy_closed"
