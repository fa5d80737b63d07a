// The guide's element catalog (shared/guide/catalog.json, the same file the server reads): pages and the
// `data-guide` ids the tour highlights. A test renders every page and checks each id is there.
import raw from "../../../shared/guide/catalog.json";

export interface CatalogPage { id: string; path: string; title: string; summary: string }
export interface CatalogElement { id: string; page: string; label: string; explain: string }
export interface Catalog { version: number; pages: CatalogPage[]; elements: CatalogElement[] }

export const catalog = raw as Catalog;

/** The catalog page a router path belongs to (`/calls/123` → calls), or null. */
export function pageForPath(path: string): CatalogPage | null {
  const clean = path.split(/[?#]/)[0]!.replace(/\/+$/, "") || "/";
  let best: CatalogPage | null = null;
  for (const p of catalog.pages) {
    const match = p.path === "/" ? clean === "/" : clean === p.path || clean.startsWith(`${p.path}/`);
    if (match && (!best || p.path.length > best.path.length)) best = p;
  }
  return best;
}

export function catalogElement(id: string): CatalogElement | undefined {
  return catalog.elements.find((e) => e.id === id);
}

export function catalogPage(id: string): CatalogPage | undefined {
  return catalog.pages.find((p) => p.id === id);
}
