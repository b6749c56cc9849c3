"""The positions slice's errors (subclasses of the one ``AICoachError`` tree)."""

from __future__ import annotations

from aicoach.errors import NotFoundError, ValidationFailedError


class PositionNotFoundError(NotFoundError):
    code = "position_not_found"


class StrategyNotFoundError(NotFoundError):
    code = "strategy_not_found"


class PositionInputError(ValidationFailedError):
    code = "position_invalid"
