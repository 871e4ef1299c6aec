import type { FastifyRequest } from 'fastify';
import { rawQuery } from '../request-path.js';

/**
 * A v3 query string as the public v3 clients send it (docs/behaviour.md, "v3"): percent-decoding with
 * `+` as a space (`URLSearchParams`, as Django's QueryDict), and list parameters in every form they use —
 * `k=7`, `k=7,8` (`%2C` too), `k=7&k=8`, `k[]=7`, `k[0]=7&k[1]=8` (indexed even for one value), in any
 * mixture. A single value is the last one sent, as Django's `QueryDict.get` answers.
 */
export class V3Query {
  private readonly pairs: [string, string][];

  constructor(query: string) {
    this.pairs = [...new URLSearchParams(query)];
  }

  static of(request: FastifyRequest): V3Query {
    return new V3Query(rawQuery(request));
  }

  /** Whether the parameter was sent in any form (`k`, `k[]`, `k[n]`). */
  has(name: string): boolean {
    return this.pairs.some(([key]) => baseName(key) === name);
  }

  /** The last plain value of `name` (`k=…`), or null when it was not sent plainly. */
  get(name: string): string | null {
    let value: string | null = null;
    for (const [key, v] of this.pairs) if (key === name) value = v;
    return value;
  }

  /**
   * Every value of a list parameter, in the order sent (indexed forms by their index), each split on
   * commas; empty items are dropped (`k=`, `k=7,,8`). Empty when the parameter was not sent.
   */
  list(name: string): string[] {
    const plain: string[] = [];
    const indexed: { index: number; order: number; value: string }[] = [];
    this.pairs.forEach(([key, value], order) => {
      if (key === name || key === `${name}[]`) plain.push(value);
      else {
        const m = INDEXED.exec(key);
        if (m !== null && m[1] === name) indexed.push({ index: Number(m[2]), order, value });
      }
    });
    indexed.sort((a, b) => a.index - b.index || a.order - b.order);
    return [...plain, ...indexed.map((i) => i.value)]
      .flatMap((value) => value.split(','))
      .filter((value) => value !== '');
  }

  /** The parameter names sent, in their base form (`integration[0]` is `integration`), once each. */
  names(): string[] {
    return [...new Set(this.pairs.map(([key]) => baseName(key)))];
  }
}

const INDEXED = /^(.+)\[([0-9]+)\]$/;

function baseName(key: string): string {
  if (key.endsWith('[]')) return key.slice(0, -2);
  const m = INDEXED.exec(key);
  return m === null ? key : (m[1] as string);
}
