/**
 * Writes by key grouped into as few statements as ON CONFLICT allows (it changes a row at most once per
 * statement): an item's n-th repeat of a key goes into the n-th group, so each group meets each key once
 * and the groups, run in turn, write every key in batch order (almost always there is one group).
 */
export function rounds<T>(items: readonly T[], key: (item: T) => string): number[][] {
  const seen = new Map<string, number>();
  const groups: number[][] = [];
  items.forEach((item, index) => {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (groups[n] ??= []).push(index);
  });
  return groups;
}

/** Waits for every statement sent (pipelined: none is left on the wire), then fails with the first failure. */
export async function settle<T extends readonly unknown[] | []>(
  sent: T,
): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = await Promise.allSettled(sent);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as {
    -readonly [P in keyof T]: Awaited<T[P]>;
  };
}
