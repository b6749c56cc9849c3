"""The importers' errors: whole-file refusals a trader can act on (row problems are not errors
but ``RowError`` entries of the ``ParseResult``)."""

from __future__ import annotations

from aicoach.errors import PayloadTooLargeError, ValidationFailedError


class ImportFileError(ValidationFailedError):
    """The file as a whole cannot be read (422)."""

    code = "import_file_invalid"


class UnknownFormatError(ImportFileError):
    code = "import_format_unknown"


class EmptyFileError(ImportFileError):
    code = "import_file_empty"


class BinaryFileError(ImportFileError):
    code = "import_file_binary"


class ColumnMappingError(ImportFileError):
    """A generic-CSV column mapping that does not fit the file's header."""

    code = "import_mapping_invalid"


class FileTooLargeError(PayloadTooLargeError):
    code = "import_file_too_large"
