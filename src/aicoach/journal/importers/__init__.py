"""Broker importers: pure parsers from broker exports to ``journal.core`` executions.

No database, no web: an adapter takes the file's text and returns a ``ParseResult``; the slice's
wiring hands the adapters to the ``ImporterRegistry``, which picks one by sniffing the content.
"""
