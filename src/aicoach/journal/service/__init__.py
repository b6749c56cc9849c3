"""The journal's use cases, one module each: accounts, imports (preview and commit), trades
(list, detail, notes, manual entry), analytics (stats, patterns, export), enrichment at entry.
Services ``flush()`` and never commit: the request (or the job) owns the transaction."""
