"""The console's pages and highlightable elements (shared/guide/catalog.json, the contract with the web app: each
element id is a `data-guide` attribute on the element the overlay highlights)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_PATH = Path(__file__).with_name("catalog.json")


@dataclass(frozen=True)
class Page:
    id: str
    path: str
    title: str
    summary: str


@dataclass(frozen=True)
class Element:
    id: str
    page: str           # a page id, or "*" for elements on every page
    label: str
    explain: str


@dataclass(frozen=True)
class Catalog:
    pages: tuple[Page, ...]
    elements: tuple[Element, ...]

    def page(self, page_id: str) -> Page | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def element(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.id == element_id), None)

    def page_for_path(self, path: str) -> Page | None:
        """The page a browser path shows ('/calls/123' → calls; '/' → dashboard)."""
        clean = path.split("?", 1)[0].rstrip("/") or "/"
        best: Page | None = None
        for p in self.pages:
            if clean == p.path or (p.path != "/" and clean.startswith(p.path + "/")):
                if best is None or len(p.path) > len(best.path):
                    best = p
        return best

    def elements_on(self, page_id: str) -> list[Element]:
        return [e for e in self.elements if e.page == page_id]


@cache
def load_catalog() -> Catalog:
    raw = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    return Catalog(pages=tuple(Page(**p) for p in raw["pages"]),
                   elements=tuple(Element(**e) for e in raw["elements"]))
