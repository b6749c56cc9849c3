"""The importer registry: handed the adapters (it imports none), picks one by the file's content."""

from __future__ import annotations

from collections.abc import Iterable

from aicoach.journal.importers.errors import UnknownFormatError
from aicoach.journal.importers.ports import BrokerImporter

#: How much of the file ``detect`` looks at.
HEAD_CHARS = 16_384
#: Below this confidence no adapter is chosen.
THRESHOLD = 0.5


class ImporterRegistry:
    def __init__(self, importers: Iterable[BrokerImporter], *, threshold: float = THRESHOLD):
        self._importers = list(importers)
        names = [i.name for i in self._importers]
        if len(set(names)) != len(names):
            raise ValueError(f"two importers share a name: {names}")
        self.threshold = threshold

    @property
    def importers(self) -> list[BrokerImporter]:
        return list(self._importers)

    def labels(self) -> list[str]:
        return [i.label for i in self._importers]

    def get(self, name: str) -> BrokerImporter:
        for importer in self._importers:
            if importer.name == name:
                return importer
        raise UnknownFormatError(f"There is no importer called '{name}'. {self._known()}")

    def scores(self, head: str) -> list[tuple[float, BrokerImporter]]:
        head = head[:HEAD_CHARS].lstrip("\ufeff")
        ranked = [(max(0.0, min(1.0, i.sniff(head))), i) for i in self._importers]
        return sorted(ranked, key=lambda pair: pair[0], reverse=True)

    def detect(self, head: str) -> BrokerImporter:
        """The best-sniffing importer above the threshold, else ``UnknownFormatError``."""
        ranked = self.scores(head)
        if not ranked or ranked[0][0] < self.threshold:
            raise UnknownFormatError(f"This file isn't a broker export I know. {self._known()}")
        return ranked[0][1]

    def _known(self) -> str:
        return "I can read: " + "; ".join(self.labels()) + "."
