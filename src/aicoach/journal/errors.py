"""The journal slice's errors (subclasses of the one ``AICoachError`` tree). The importers'
whole-file refusals (unknown format, empty, binary, too large) are in ``importers.errors``."""

from __future__ import annotations

from aicoach.errors import ConflictError, NotFoundError, ValidationFailedError


class AccountNotFoundError(NotFoundError):
    code = "journal_account_not_found"


class ImportNotFoundError(NotFoundError):
    code = "journal_import_not_found"


class TradeNotFoundError(NotFoundError):
    code = "journal_trade_not_found"


class MappingNotFoundError(NotFoundError):
    code = "journal_mapping_not_found"


class AccountNameTakenError(ConflictError):
    code = "journal_account_name_taken"


class MappingNameTakenError(ConflictError):
    code = "journal_mapping_name_taken"


class ImportStateError(ConflictError):
    """A commit of an import that is already committing, committed or failed."""

    code = "journal_import_state"


class JournalInputError(ValidationFailedError):
    code = "journal_invalid"
