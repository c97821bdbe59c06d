// Keyset paging of the lists ordered by id: a full page names where the next one starts.

/** The `next` of a page: its last row's id when the page is full, null when it is the last page. */
export function nextAfter(rows: readonly { id: string | number }[], limit: number): string | null {
  return rows.length === limit ? String(rows.at(-1)!.id) : null;
}
