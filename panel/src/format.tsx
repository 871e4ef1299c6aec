/**
 * Showing what a shop sent. Every value reaches the page as a JSX text child or attribute, which
 * Preact sets as text (never as markup): whatever a shop put in a field is shown as typed.
 */
import type { ComponentChildren } from 'preact';

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A time in the browser's zone, with its UTC form on hover (and in `datetime` for assistive tools). */
export function Time({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined || value === '') return <span class="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span>{value}</span>;
  const utc = `${date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$|Z$/, '')} UTC`;
  return (
    <time dateTime={date.toISOString()} title={utc}>
      {localFormat.format(date)}
    </time>
  );
}

const isTimeKey = (key: string): boolean => /(_at|_since|^last_fetch|^timestamp|_date)$/.test(key);
const looksLikeTime = (value: string): boolean => /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value);
const MONEY_KEYS = /(^|_)(value|price|cost|costs|amount|total_order_value|discount_granted)$/;
const WEIGHT_KEYS = /^(weight)$/;
const LENGTH_KEYS = /^(width|height|length)$/;

export function money(value: unknown, currency: unknown): string {
  const amount = typeof value === 'number' ? value : Number(value);
  if (typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) && Number.isFinite(amount)) {
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
    } catch {
      // An unknown currency code: shown as sent below.
    }
  }
  return `${String(value)}${typeof currency === 'string' ? ` ${currency}` : ''}`;
}

const humanKey = (key: string): string => {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One value of an order, formatted by what it is: money, a weight, a time, an address, a list. */
export function Value({
  name,
  value,
  context,
}: {
  name: string;
  value: Json;
  context?: Record<string, Json>;
}) {
  if (value === null) return <span class="muted">none</span>;
  if (typeof value === 'boolean') return <span>{value ? 'yes' : 'no'}</span>;
  if (typeof value === 'number' || typeof value === 'string') {
    const text = String(value);
    if (typeof value === 'string' && (isTimeKey(name) || looksLikeTime(value)) && looksLikeTime(value))
      return <Time value={value} />;
    // v2 money: a decimal string beside a currency field of the same object.
    const currency = context?.currency ?? context?.total_order_value_currency;
    if (MONEY_KEYS.test(name) && typeof currency === 'string') return <span>{money(value, currency)}</span>;
    if (WEIGHT_KEYS.test(name)) return <span>{text} kg</span>;
    if (LENGTH_KEYS.test(name)) return <span>{text} cm</span>;
    if (text === '') return <span class="muted">empty</span>;
    return <span class="text">{text}</span>;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">none</span>;
    if (value.every((item) => typeof item !== 'object' || item === null))
      return <span class="text">{value.map((item) => String(item)).join(', ')}</span>;
    return (
      <ol class="items">
        {value.map((item, index) => (
          <li key={index}>
            <Value name={name} value={item} />
          </li>
        ))}
      </ol>
    );
  }
  // v3's {value, currency} and {value, unit}.
  const keys = Object.keys(value);
  if (keys.length === 2 && 'value' in value && 'currency' in value)
    return <span>{money(value.value, value.currency)}</span>;
  if (keys.length === 2 && 'value' in value && 'unit' in value)
    return <span class="text">{`${String(value.value)} ${String(value.unit)}`}</span>;
  return <Fields object={value} />;
}

export function Fields({ object }: { object: { [key: string]: Json } }) {
  const entries = Object.entries(object);
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <dl class="fields">
      {entries.map(([key, value]) => (
        <div class="field" key={key}>
          <dt>{humanKey(key)}</dt>
          <dd>
            <Value name={key} value={value} context={object} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function RawJson({ value, label }: { value: unknown; label: string }) {
  if (value === '' || value === null || value === undefined)
    return (
      <p class="muted" aria-label={label}>
        (no body)
      </p>
    );
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function Notice({
  kind,
  children,
}: {
  kind: 'loading' | 'empty' | 'error';
  children: ComponentChildren;
}) {
  if (kind === 'error')
    return (
      <p class="notice error" role="alert">
        {children}
      </p>
    );
  return (
    <p class={`notice ${kind}`} role="status" aria-live="polite">
      {children}
    </p>
  );
}

export type { Json };
