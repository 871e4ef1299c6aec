/**
 * Small DRF-like field primitives. Sendcloud's v2 API is a Django REST Framework application, so where
 * the reference is silent, these do what DRF 3.14's fields do by default, with DRF's exact
 * messages (docs/behaviour.md "Input coercion" and the message list).
 *
 * A field is a function from the JSON value as sent (`undefined` when the key is absent) to the
 * validated value, an `Invalid` carrying DRF's error detail, or `SKIP` (an optional field that was not
 * sent and has no default, which the enclosing object leaves out). Every field is built once at module
 * load and allocates only its result on the valid path.
 *
 * Presence rules (docs/behaviour.md "Relaxed validation"): a required field that is absent → `This field is
 * required.`; an optional one → null when nullable, `""` for a non-nullable string, left out otherwise.
 * `null` where not allowed → `This field may not be null.`
 */

import {
  IndexedErrors,
  JsonNumber,
  isJsonNumber,
  isPySpace,
  pyNumberStr,
  pyStr,
  pyStrip,
  pyTypeName,
  toAsciiNumeral,
} from './repr.js';
import { parseDate, parseDateTime } from './time.js';
import { isIpv4, isIpv6, isValidUrl } from './url.js';
import { parseUuid } from './uuid.js';
import { domainToASCII } from 'node:url';

export type ErrorTree = string[] | { [field: string]: ErrorTree } | ErrorTree[] | IndexedErrors;
export type ErrorDict = { [field: string]: ErrorTree };

export class Invalid {
  constructor(readonly errors: ErrorTree) {}
}

export const SKIP: unique symbol = Symbol('skip');
export type Outcome<T> = T | Invalid | typeof SKIP;
export type Field<T> = (data: unknown) => Outcome<T>;

export const MESSAGES = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  notAString: 'Not a valid string.',
  nullCharacters: 'Null characters are not allowed.',
  email: 'Enter a valid email address.',
  url: 'Enter a valid URL.',
  noData: 'No data provided',
  integer: 'A valid integer is required.',
  number: 'A valid number is required.',
  stringTooLarge: 'String value too large.',
  boolean: 'Must be a valid boolean.',
  uuid: 'Must be a valid UUID.',
} as const;

export const message = {
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  maxElements: (n: number) => `Ensure this field has no more than ${n} elements.`,
  maxDigits: (n: number) => `Ensure that there are no more than ${n} digits in total.`,
  maxDecimalPlaces: (n: number) => `Ensure that there are no more than ${n} decimal places.`,
  maxWholeDigits: (n: number) => `Ensure that there are no more than ${n} digits before the decimal point.`,
  minValue: (n: number | string) => `Ensure this value is greater than or equal to ${n}.`,
  maxValue: (n: number | string) => `Ensure this value is less than or equal to ${n}.`,
  invalidChoice: (input: unknown) => `"${pyStr(input)}" is not a valid choice.`,
  notAList: (input: unknown) => `Expected a list of items but got type "${pyTypeName(input)}".`,
  notADict: (input: unknown) => `Expected a dictionary of items but got type "${pyTypeName(input)}".`,
  notAnObject: (input: unknown) => `Invalid data. Expected a dictionary, but got ${pyTypeName(input)}.`,
  surrogate: (code: number) => `Surrogate characters are not allowed: U+${code.toString(16).toUpperCase()}.`,
} as const;

export const NON_FIELD_ERRORS = 'non_field_errors';

/** DRF's fields cap string input to numeric fields at 1000 characters (`MAX_STRING_LENGTH`). */
const MAX_NUMERIC_STRING = 1000;
/** Python's default `decimal` context precision, which bounds DRF's quantize when max_digits is None. */
const PYTHON_PRECISION = 28;

/** A JSON object (a Python dict): not an array, not a number kept as a `JsonNumber`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  );
}

/** Sets a key taken from input without ever invoking the `__proto__` setter. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export interface Presence {
  /** Absent → `This field is required.` */
  required?: boolean;
  /** null is a value (otherwise `This field may not be null.`). */
  allowNull?: boolean;
}

function requiredError(): Invalid {
  return new Invalid([MESSAGES.required]);
}

function nullError(): Invalid {
  return new Invalid([MESSAGES.null]);
}

/** Python's `len()`: code points, with a lone surrogate counting as one. */
export function pyLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// In a `u` expression a lone surrogate is a code point of category Cs; a valid pair is not.
const LONE_SURROGATE = /\p{Cs}/u;

export interface CharOptions extends Presence {
  allowBlank?: boolean;
  maxLength?: number;
  /**
   * `""` (after trimming) reads as null. docs/behaviour.md decides this for `to_state`, which the reference
   * types as a nullable string with `minLength: 1`.
   */
  blankAsNull?: boolean;
  /** Extra validator run after DRF's own (e.g. the email check); returns an error message or null. */
  validate?: (value: string) => string | null;
  /**
   * The field's `invalid` message, given for a boolean or a composite: a CharField says `Not a valid
   * string.`, its EmailField and URLField subclasses `Enter a valid email address.` / `… URL.`
   */
  invalidMessage?: string;
}

/**
 * DRF's CharField: numbers become strings (Python's `str()`), booleans and composites are `Not a valid
 * string.`, surrounding white space is trimmed, then `max_length` (in code points, as Python counts),
 * no NUL character, no lone surrogate; all validator errors are reported together, as DRF does.
 */
export function charField(options: CharOptions = {}): Field<string | null> {
  const {
    required = false,
    allowNull = false,
    allowBlank = false,
    maxLength,
    blankAsNull = false,
    validate,
    invalidMessage = MESSAGES.notAString,
  } = options;
  return withTwin(charTwin(maxLength, validate), (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : '';
    if (data === null) return allowNull ? null : nullError();
    let value: string;
    if (typeof data === 'string') value = pyStrip(data);
    else if (isJsonNumber(data)) value = pyNumberStr(data);
    else return new Invalid([invalidMessage]);
    if (value === '') {
      if (blankAsNull) return null;
      return allowBlank ? '' : new Invalid([MESSAGES.blank]);
    }
    let errors: string[] | null = null;
    if (maxLength !== undefined && value.length > maxLength && pyLength(value) > maxLength) {
      errors = [message.maxLength(maxLength)];
    }
    if (value.includes('\0')) (errors ??= []).push(MESSAGES.nullCharacters);
    const surrogate = LONE_SURROGATE.exec(value);
    if (surrogate !== null) (errors ??= []).push(message.surrogate(surrogate[0].charCodeAt(0)));
    if (validate !== undefined) {
      const problem = validate(value);
      if (problem !== null) (errors ??= []).push(problem);
    }
    return errors === null ? value : new Invalid(errors);
  });
}

// Django's EmailValidator (3.2/4.x/5.x): the same three expressions, compiled once.
const EMAIL_USER =
  // eslint-disable-next-line no-control-regex -- Django's quoted-string form names these control characters.
  /^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$/i;
const EMAIL_DOMAIN = /^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}(?<!-)$/i;
// Django's own range `A-f` (it takes `[\]^_\`` too); kept as Django has it.
const EMAIL_LITERAL = /^\[([A-f0-9:.]+)\]$/i;
function validDomainPart(domain: string): boolean {
  if (EMAIL_DOMAIN.test(domain)) return true;
  const literal = EMAIL_LITERAL.exec(domain);
  if (literal === null) return false;
  const ip = literal[1] as string;
  return isIpv4(ip) || isIpv6(ip);
}

function hasNonAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

// The four characters whose simple lower or upper case is an ASCII letter: Python's case-insensitive
// `[A-Z]` takes them (`re.IGNORECASE` compares both cases), JS's `/i` does not.
const ASCII_CASE_FOLDS = /[\u0130\u0131\u017f\u212a]/g;
const FOLDED: Readonly<Record<string, string>> = {
  '\u0130': 'i',
  '\u0131': 'i',
  '\u017f': 's',
  '\u212a': 'k',
};

/** The text a Python `re.IGNORECASE` ASCII class sees as letters: those four read as their letters. */
function foldForAsciiIgnoreCase(s: string): string {
  return hasNonAscii(s) ? s.replace(ASCII_CASE_FOLDS, (c) => FOLDED[c] as string) : s;
}

/**
 * Django's EmailValidator. Its IDN fallback (Python's IDNA 2003 codec) is approximated with
 * `url.domainToASCII` (UTS #46), which agrees on ordinary internationalised domains.
 */
export function isValidEmail(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at === -1 || pyLength(value) > 320) return false;
  const user = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!EMAIL_USER.test(foldForAsciiIgnoreCase(user))) return false;
  if (domain === 'localhost' || validDomainPart(foldForAsciiIgnoreCase(domain))) return true;
  if (!hasNonAscii(domain) || LONE_SURROGATE.test(domain)) return false;
  const ascii = domainToASCII(domain);
  return ascii !== '' && validDomainPart(ascii);
}

/** DRF's EmailField: a CharField whose non-blank value must pass Django's EmailValidator. */
export function emailField(
  options: Omit<CharOptions, 'validate' | 'invalidMessage'> = {},
): Field<string | null> {
  return charField({
    ...options,
    invalidMessage: MESSAGES.email,
    validate: (value) => (isValidEmail(value) ? null : MESSAGES.email),
  });
}

/** DRF's URLField: a CharField whose non-blank value must pass Django 4.2's URLValidator (url.ts). */
export function urlField(
  options: Omit<CharOptions, 'validate' | 'invalidMessage'> = {},
): Field<string | null> {
  return charField({
    ...options,
    invalidMessage: MESSAGES.url,
    validate: (value) => (isValidUrl(value) ? null : MESSAGES.url),
  });
}

export interface ChoiceOptions extends Presence {
  /** `""` reads as null: docs/behaviour.md for `currency`, `parcel_items[].origin_country`, `customs_shipment_type`. */
  blankAsNull?: boolean;
}

/**
 * DRF's ChoiceField: the input's Python `str()` is looked up among the choices' `str()`, and the choice
 * itself comes out (so `"2"` and `2` both give `2` for integer choices). Not trimmed.
 */
export function choiceField<C extends string | number>(
  choices: readonly C[],
  options: ChoiceOptions = {},
): Field<C | null> {
  const { required = false, allowNull = false, blankAsNull = false } = options;
  const byString = new Map<string, C>();
  for (const choice of choices) byString.set(String(choice), choice);
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    if (data === '' && blankAsNull) return null;
    const choice = byString.get(typeof data === 'string' ? data : pyStr(data));
    return choice === undefined ? new Invalid([message.invalidChoice(data)]) : choice;
  };
}

export interface IntegerOptions extends Presence {
  minValue?: number;
  maxValue?: number;
}

/** C's `isspace` in the C locale, which `int()` strips (after non-ASCII white space became spaces). */
function stripAsciiSpace(s: string): string {
  let start = 0;
  let end = s.length;
  const space = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (start < end && space(s.charCodeAt(start))) start++;
  while (end > start && space(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Python's `int(str(data))` after DRF strips a trailing `.0…` (`re_decimal`): white space, a sign,
 * leading zeros, single underscores between digits and other scripts' digits are accepted. Returns null
 * when Python would raise. Values beyond 2^53 come back as inexact numbers; callers bound them.
 */
function pyIntFromText(raw: string): number | null {
  // DRF's `re_decimal = r'\.0*\s*$'`, removed wherever it matches (it can only match at the end).
  let end = raw.length;
  while (end > 0 && isPySpace(raw.charCodeAt(end - 1))) end--;
  let zeros = end;
  while (zeros > 0 && raw.charCodeAt(zeros - 1) === 0x30) zeros--;
  const text = zeros > 0 && raw.charCodeAt(zeros - 1) === 0x2e ? raw.slice(0, zeros - 1) : raw;
  const s = stripAsciiSpace(toAsciiNumeral(text));
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    negative = first === 0x2d;
    i = 1;
  }
  let value = 0;
  let digits = 0;
  let previousUnderscore = true; // no underscore before the first digit
  for (; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 0x5f) {
      if (previousUnderscore) return null;
      previousUnderscore = true;
      continue;
    }
    if (code < 0x30 || code > 0x39) return null;
    value = value * 10 + (code - 0x30);
    digits++;
    previousUnderscore = false;
  }
  if (digits === 0 || previousUnderscore) return null;
  return negative ? -value || 0 : value;
}

/**
 * DRF's IntegerField: `8`, `"8"`, `8.0`, `"8.0"` are all 8 (docs/behaviour.md); `8.5`, booleans and composites
 * are `A valid integer is required.`; strings over 1000 characters `String value too large.`
 */
export function integerField(options: IntegerOptions = {}): Field<number | null> {
  const { required = false, allowNull = false, minValue, maxValue } = options;
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    let value: number | null;
    // `int(str(data))`: a float literal is its repr (`1.0` is 1, `1e+16` is no integer), a large
    // integer literal its digits.
    if (typeof data === 'number' && Number.isSafeInteger(data)) value = data || 0;
    else if (isJsonNumber(data)) value = pyIntFromText(pyNumberStr(data));
    else if (typeof data === 'string') {
      if (pyLength(data) > MAX_NUMERIC_STRING) return new Invalid([MESSAGES.stringTooLarge]);
      value = pyIntFromText(data);
    } else value = null;
    if (value === null) return new Invalid([MESSAGES.integer]);
    let errors: string[] | null = null;
    if (maxValue !== undefined && value > maxValue) errors = [message.maxValue(maxValue)];
    if (minValue !== undefined && value < minValue) (errors ??= []).push(message.minValue(minValue));
    return errors === null ? value : new Invalid(errors);
  };
}

/** A parsed Python `Decimal`: sign, coefficient digits without leading zeros, and exponent. */
interface DecimalParts {
  negative: boolean;
  coefficient: string;
  exponent: number;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Reads a run of digits with Python's single-underscore grouping; returns [digits, next index]. */
function digitRun(s: string, from: number): [string, number] | null {
  let i = from;
  let digits = '';
  let previousUnderscore = false;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    if (isDigit(code)) {
      previousUnderscore = false;
      i++;
      continue;
    }
    if (
      code === 0x5f &&
      i > from &&
      !previousUnderscore &&
      i + 1 < s.length &&
      isDigit(s.charCodeAt(i + 1))
    ) {
      previousUnderscore = true;
      digits += s.slice(from, i);
      from = i + 1;
      i++;
      continue;
    }
    break;
  }
  if (i === from && digits === '') return null;
  return [digits + s.slice(from, i), i];
}

/**
 * Python's `Decimal(str)` for a stripped string: `[sign] (digits [. [digits]] | . digits) [e [sign] digits]`.
 * CPython drops every underscore first (`"_5"` and `"1e_5"` parse), and takes other scripts' digits.
 * Infinity and NaN are DRF's `A valid number is required.` anyway, so they parse as null here.
 */
function parseDecimal(raw: string): DecimalParts | null {
  const s = toAsciiNumeral(raw.includes('_') ? raw.replaceAll('_', '') : raw);
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    negative = first === 0x2d;
    i = 1;
  }
  let whole = '';
  let fraction = '';
  const wholeRun = digitRun(s, i);
  if (wholeRun !== null) [whole, i] = wholeRun;
  if (s.charCodeAt(i) === 0x2e) {
    const fractionRun = digitRun(s, i + 1);
    if (fractionRun !== null) [fraction, i] = fractionRun;
    else i++;
  }
  if (whole === '' && fraction === '') return null;
  let exponent = 0;
  const e = s.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    let j = i + 1;
    let expNegative = false;
    const sign = s.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) {
      expNegative = sign === 0x2d;
      j++;
    }
    const expRun = digitRun(s, j);
    if (expRun === null) return null;
    const [expDigits, next] = expRun;
    // Beyond this the value fails every check we make; keep the arithmetic exact.
    exponent = expDigits.length > 9 ? 1e9 : Number(expDigits);
    if (expNegative) exponent = -exponent;
    i = next;
  }
  if (i !== s.length) return null;
  let coefficient = whole + fraction;
  let lead = 0;
  while (lead < coefficient.length - 1 && coefficient.charCodeAt(lead) === 0x30) lead++;
  if (lead > 0) coefficient = coefficient.slice(lead);
  return { negative, coefficient, exponent: exponent - fraction.length };
}

export interface DecimalOptions extends Presence {
  decimalPlaces: number;
  /** DRF's `max_digits` (and so `max_whole_digits` = max_digits − decimal_places); null for none. */
  maxDigits: number | null;
  /** DRF's `min_value`, given in its rendered form (`"0.001"`). */
  minValue?: string;
  /** A cap on the rendered string (the reference's `maxLength` on weights and dimensions). */
  maxLength?: number;
}

/** Compares two rendered decimals with the same number of places. */
function compareFixed(a: string, b: string): number {
  const an = a.startsWith('-');
  const bn = b.startsWith('-');
  const av = BigInt((an ? a.slice(1) : a).replace('.', ''));
  const bv = BigInt((bn ? b.slice(1) : b).replace('.', ''));
  const x = an ? -av : av;
  const y = bn ? -bv : bv;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * DRF's DecimalField with `coerce_to_string`: JSON numbers or numeric strings in; out, the value
 * quantized to `decimal_places` and rendered with `'{:f}'` (`"1.500"`, `"-0.000"` for `-0`), per
 * docs/behaviour.md "Output formats". `""` on a nullable field is null (DRF's `validate_empty_values`).
 * Checks in DRF's order: digits in total, decimal places, digits before the point, then validators.
 */
export function decimalField(options: DecimalOptions): Field<string | null> {
  const { required = false, allowNull = false, decimalPlaces, maxDigits, minValue, maxLength } = options;
  const maxWholeDigits = maxDigits === null ? null : maxDigits - decimalPlaces;
  return withTwin(decimalTwin(options), (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    let text: string;
    if (typeof data === 'string') {
      text = pyStrip(data);
      if (text === '' && allowNull) return null;
    } else if (isJsonNumber(data)) text = pyNumberStr(data);
    else text = pyStrip(pyStr(data));
    if (pyLength(text) > MAX_NUMERIC_STRING) return new Invalid([MESSAGES.stringTooLarge]);
    const parts = parseDecimal(text);
    if (parts === null) return new Invalid([MESSAGES.number]);
    const { negative, coefficient, exponent } = parts;
    // Decimal.as_tuple() arithmetic of DRF's validate_precision.
    let totalDigits: number;
    let wholeDigits: number;
    let places: number;
    if (exponent >= 0) {
      totalDigits = coefficient.length + exponent;
      wholeDigits = totalDigits;
      places = 0;
    } else if (coefficient.length > -exponent) {
      totalDigits = coefficient.length;
      wholeDigits = totalDigits + exponent;
      places = -exponent;
    } else {
      totalDigits = -exponent;
      wholeDigits = 0;
      places = totalDigits;
    }
    if (maxDigits !== null && totalDigits > maxDigits) return new Invalid([message.maxDigits(maxDigits)]);
    if (places > decimalPlaces) return new Invalid([message.maxDecimalPlaces(decimalPlaces)]);
    if (maxWholeDigits !== null && wholeDigits > maxWholeDigits) {
      return new Invalid([message.maxWholeDigits(maxWholeDigits)]);
    }
    // A zero coefficient has no significant whole digits ("0e5" renders as "0.000").
    const isZero = coefficient === '0';
    const significantWhole = isZero ? 0 : wholeDigits;
    if (
      maxDigits === null &&
      maxLength === undefined &&
      significantWhole + decimalPlaces > PYTHON_PRECISION
    ) {
      // DRF quantizes in Python's default 28-digit context and fails with a 500 past it; we answer
      // the max_digits message that this implicit limit amounts to.
      return new Invalid([message.maxDigits(PYTHON_PRECISION)]);
    }
    const renderedLength =
      (negative ? 1 : 0) + Math.max(significantWhole, 1) + (decimalPlaces > 0 ? decimalPlaces + 1 : 0);
    if (maxLength !== undefined && renderedLength > maxLength) {
      // Not rendered (the exponent may be huge). Assumes a small `minValue`, as ours are: only a
      // negative number is then below it.
      const errors: string[] =
        minValue !== undefined && negative && !isZero ? [message.minValue(minValue)] : [];
      errors.push(message.maxLength(maxLength));
      return new Invalid(errors);
    }
    const scaled = isZero
      ? '0'.repeat(decimalPlaces + 1)
      : coefficient + '0'.repeat(decimalPlaces + exponent);
    const padded =
      scaled.length <= decimalPlaces ? '0'.repeat(decimalPlaces + 1 - scaled.length) + scaled : scaled;
    const cut = padded.length - decimalPlaces;
    const rendered =
      (negative ? '-' : '') + (decimalPlaces > 0 ? `${padded.slice(0, cut)}.${padded.slice(cut)}` : padded);
    if (minValue !== undefined && compareFixed(rendered, minValue) < 0) {
      return new Invalid([message.minValue(minValue)]);
    }
    return rendered;
  });
}

/** DRF's DateTimeField: µs since the epoch (see time.ts for the accepted forms). */
export function dateTimeField(options: Presence = {}): Field<number | null> {
  const { required = false, allowNull = false } = options;
  return withTwin(dateTimeTwin(), (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    const parsed = parseDateTime(data);
    return parsed.ok ? parsed.us : new Invalid([parsed.message]);
  });
}

/** DRF's DateField (`YYYY-MM-DD`): midnight UTC of that day in µs; non-strings get the Date message. */
export function dateField(options: Presence = {}): Field<number | null> {
  const { required = false, allowNull = false } = options;
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    const parsed = typeof data === 'string' ? parseDate(data) : parseDate('');
    return parsed.ok ? parsed.dayStartUs : new Invalid([parsed.message]);
  };
}

/** DRF's UUIDField: the canonical lower-case hyphenated form. */
export function uuidField(options: Presence = {}): Field<string | null> {
  const { required = false, allowNull = false } = options;
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    const uuid = parseUuid(data);
    return uuid === null ? new Invalid([MESSAGES.uuid]) : uuid;
  };
}

const TRUE_STRINGS: ReadonlySet<string> = new Set([
  't',
  'T',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  '1',
]);
const FALSE_STRINGS: ReadonlySet<string> = new Set([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
]);
const NULL_STRINGS: ReadonlySet<string> = new Set(['null', 'Null', 'NULL', '']);

/** DRF's BooleanField: its TRUE_VALUES / FALSE_VALUES (and NULL_VALUES when nullable). */
export function booleanField(options: Presence = {}): Field<boolean | null> {
  const { required = false, allowNull = false } = options;
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    // `data in TRUE_VALUES`: Python's 1.0 == 1, so the float literals 1.0 and 0.0 count too.
    const number = data instanceof JsonNumber && data.isFloat ? data.value : data;
    if (number === true || number === 1) return true;
    if (number === false || number === 0) return false;
    if (typeof data === 'string') {
      if (TRUE_STRINGS.has(data)) return true;
      if (FALSE_STRINGS.has(data)) return false;
      if (allowNull && NULL_STRINGS.has(data)) return null;
    }
    return new Invalid([MESSAGES.boolean]);
  };
}

/** Maps a field's valid value, leaving errors and SKIP alone. */
export function mapField<T, U>(field: Field<T>, fn: (value: T) => U): Field<U> {
  const mapped: Field<U> = (data) => {
    const outcome = field(data);
    if (outcome instanceof Invalid) return outcome;
    if (outcome === SKIP) return SKIP;
    return fn(outcome);
  };
  const inner = twins.get(field as Field<unknown>);
  if (inner === undefined) return mapped;
  return withTwin((data) => {
    const value = inner(data);
    return value === NOT_FAST ? NOT_FAST : fn(value as T);
  }, mapped);
}

export type Shape = readonly (readonly [name: string, field: Field<unknown>])[];

/**
 * A nested DRF Serializer: own properties only, unknown keys ignored, output and errors in declaration
 * order. A non-object is `{non_field_errors: ['Invalid data. Expected a dictionary, but got str.']}`.
 */
export function validateObject(shape: Shape, data: unknown): Record<string, unknown> | Invalid {
  if (!isPlainObject(data)) return new Invalid({ [NON_FIELD_ERRORS]: [message.notAnObject(data)] });
  const out: Record<string, unknown> = {};
  let errors: ErrorDict | null = null;
  for (const [name, field] of shape) {
    const outcome = field(Object.hasOwn(data, name) ? data[name] : undefined);
    if (outcome === SKIP) continue;
    if (outcome instanceof Invalid) (errors ??= {})[name] = outcome.errors;
    else out[name] = outcome;
  }
  return errors === null ? out : new Invalid(errors);
}

/** A nested serializer as a field of its parent. */
export function objectField(shape: Shape, options: Presence = {}): Field<Record<string, unknown> | null> {
  const { required = false, allowNull = false } = options;
  return withTwin(objectTwin(shape, allowNull), (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    return validateObject(shape, data);
  });
}

export interface ListOptions extends Presence {
  maxLength?: number;
}

/**
 * DRF's ListField (a list of primitives, such as `service_point_carriers`): a string, an object or a
 * number is the flat `['Expected a list of items but got type "str".']`; element errors are keyed by
 * the failing elements' indexes (`{1: ['This field may not be blank.']}`). A null element is given to the
 * child, which refuses it unless it allows null.
 */
export function listField<T>(child: Field<T>, options: Presence = {}): Field<T[] | null> {
  const { required = false, allowNull = false } = options;
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    if (!Array.isArray(data)) return new Invalid([message.notAList(data)]);
    const out: T[] = new Array<T>(data.length);
    let errors: Map<number, ErrorTree> | null = null;
    for (let i = 0; i < data.length; i++) {
      const item: unknown = data[i];
      const outcome = child(item === undefined ? null : item);
      if (outcome instanceof Invalid) (errors ??= new Map()).set(i, outcome.errors);
      else out[i] = outcome as T;
    }
    return errors === null ? out : new Invalid(new IndexedErrors(errors));
  };
}

/**
 * A DRF ListSerializer (`many=True` nested serializer): a non-list is
 * `{non_field_errors: ['Expected a list of items but got type "dict".']}`; element errors come as a list
 * aligned with the input, `{}` for valid elements (docs/behaviour.md).
 */
export function nestedListField<T>(child: Field<T>, options: ListOptions = {}): Field<(T | null)[] | null> {
  const { required = false, allowNull = false, maxLength } = options;
  return withTwin(nestedListTwin(child as Field<unknown>, allowNull, maxLength), (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    if (!Array.isArray(data)) return new Invalid({ [NON_FIELD_ERRORS]: [message.notAList(data)] });
    if (maxLength !== undefined && data.length > maxLength) {
      return new Invalid({ [NON_FIELD_ERRORS]: [message.maxElements(maxLength)] });
    }
    const out: (T | null)[] = new Array<T | null>(data.length);
    let errors: ErrorTree[] | null = null;
    for (let i = 0; i < data.length; i++) {
      const item: unknown = data[i];
      // DRF's `many_init` passes `allow_null` to the child serializer as well as to the list, so a null
      // element of a nullable list is valid and stays null. JSON has no undefined: a hole reads as null.
      const outcome = item === undefined || item === null ? (allowNull ? null : nullError()) : child(item);
      if (outcome instanceof Invalid) {
        errors ??= Array.from({ length: i }, () => ({}));
        errors.push(outcome.errors);
      } else {
        errors?.push({});
        // A child never answers SKIP for a present element.
        out[i] = outcome as T | null;
      }
    }
    return errors === null ? out : new Invalid(errors);
  });
}

/**
 * DRF's DictField: a non-object is `['Expected a dictionary of items but got type "str".']`; child errors
 * are keyed by the offending key. Keys are copied without touching `__proto__`.
 */
export function dictField<T>(child: Field<T>, options: Presence = {}): Field<Record<string, T> | null> {
  const { required = false, allowNull = false } = options;
  return (data) => {
    if (data === undefined) return required ? requiredError() : allowNull ? null : SKIP;
    if (data === null) return allowNull ? null : nullError();
    if (!isPlainObject(data)) return new Invalid([message.notADict(data)]);
    const out: Record<string, T> = {};
    let errors: ErrorDict | null = null;
    for (const key of Object.keys(data)) {
      const item = data[key];
      const outcome = child(item === undefined ? null : item);
      if (outcome instanceof Invalid) setOwn((errors ??= {}), key, outcome.errors);
      else if (outcome !== SKIP) setOwn(out, key, outcome);
    }
    return errors === null ? out : new Invalid(errors);
  };
}

/*
 * The fast path — validate fast, explain slowly. A field may have a *twin*: a cheap check that answers
 * the field's own validated value for the inputs it recognises as already in normal form (a trimmed
 * string, a decimal with exactly its places, a datetime in DRF's own rendering), and NOT_FAST for
 * anything else. `fastShape` runs a shape with the twins, the field itself where a twin declines, and
 * gives up (NOT_FAST) on the first Invalid: the caller then runs the exact pipeline, which finds every
 * error with DRF's messages. So the fast path can only ever be wrong if a twin answers a value its field
 * would not — the property test (test/unit/drf-fast-path.test.ts) checks each twin against its field.
 */

/** A twin's (and `fastShape`'s) "not mine": run the exact pipeline instead. */
export const NOT_FAST: unique symbol = Symbol('not fast');
type Twin = (data: unknown) => unknown;
const twins = new WeakMap<Field<unknown>, Twin>();

function withTwin<T>(twin: Twin, field: Field<T>): Field<T> {
  twins.set(field as Field<unknown>, twin);
  return field;
}

/** The field's twin, if it has one (exported for the tests that check twins against their fields). */
export function twinOf(field: Field<unknown>): Twin | undefined {
  return twins.get(field);
}

/**
 * A string CharField takes as it is: not empty, no Python white space at either end, within
 * `maxLength` UTF-16 units (code points can only be fewer), no NUL and no surrogate at all (a valid
 * pair declines too: rare, and the exact pipeline counts it right).
 */
function isPlainText(s: string, maxLength: number | undefined): boolean {
  const n = s.length;
  if (n === 0 || (maxLength !== undefined && n > maxLength)) return false;
  if (isPySpace(s.charCodeAt(0)) || isPySpace(s.charCodeAt(n - 1))) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

function charTwin(
  maxLength: number | undefined,
  validate: ((value: string) => string | null) | undefined,
): Twin {
  return (data) =>
    typeof data === 'string' &&
    isPlainText(data, maxLength) &&
    (validate === undefined || validate(data) === null)
      ? data
      : NOT_FAST;
}

/** `[1-9]\d*` or `0`, a point, then digits: the unsigned form `'{:f}'` renders. */
const PLAIN_DECIMAL = /^(?:0|[1-9][0-9]*)\.([0-9]+)$/;

/** Two plain decimals with the same number of places, compared as numbers. */
function comparePlain(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function decimalTwin(options: DecimalOptions): Twin {
  const { decimalPlaces, maxDigits, minValue, maxLength } = options;
  const maxWholeDigits = maxDigits === null ? null : maxDigits - decimalPlaces;
  // The twin compares with `minValue` as text, so it must be a plain decimal of the field's places.
  const plainMin = minValue === undefined || PLAIN_DECIMAL.exec(minValue)?.[1]?.length === decimalPlaces;
  return (data) => {
    if (typeof data !== 'string' || !plainMin || decimalPlaces === 0) return NOT_FAST;
    const match = PLAIN_DECIMAL.exec(data);
    if (match === null || (match[1] as string).length !== decimalPlaces) return NOT_FAST;
    const whole = data.length - decimalPlaces - 1;
    const significantWhole = whole === 1 && data.charCodeAt(0) === 0x30 ? 0 : whole;
    if (maxWholeDigits !== null && significantWhole > maxWholeDigits) return NOT_FAST;
    if (significantWhole + decimalPlaces > PYTHON_PRECISION) return NOT_FAST;
    if (maxLength !== undefined && data.length > maxLength) return NOT_FAST;
    if (minValue !== undefined && comparePlain(data, minValue) < 0) return NOT_FAST;
    return data;
  };
}

/** DRF's own rendering of a UTC datetime, with or without six fraction digits. */
const PLAIN_DATETIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{6}))?Z$/;

function dateTimeTwin(): Twin {
  return (data) => {
    if (typeof data !== 'string') return NOT_FAST;
    const m = PLAIN_DATETIME.exec(data);
    if (m === null) return NOT_FAST;
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = Number(m[6]);
    // Years before 1000 decline: Date.UTC reads 0–99 as 1900–1999.
    if (year < 1000 || hour > 23 || minute > 59 || second > 59) return NOT_FAST;
    const ms = Date.UTC(year, month - 1, day, hour, minute, second);
    const date = new Date(ms);
    // A day the month does not have rolls over: decline it (the exact parser says why).
    if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return NOT_FAST;
    return ms * 1000 + (m[7] === undefined ? 0 : Number(m[7]));
  };
}

/** Runs a field with its twin first. */
function runner(field: Field<unknown>): Field<unknown> {
  const twin = twins.get(field);
  if (twin === undefined) return field;
  return (data) => {
    const value = twin(data);
    return value === NOT_FAST ? field(data) : value;
  };
}

/** A shape run fast: the validated object, or NOT_FAST at the first Invalid. */
export type FastShape = (
  data: Record<string, unknown>,
  /** Receives the values of the `taken` names, which the object leaves out. */
  taken?: unknown[],
) => Record<string, unknown> | typeof NOT_FAST;

/**
 * `validateObject(shape, …)` for inputs the twins and fields take without an error: the same values in
 * the same key order. `taken` names are left out of the object and handed back by position instead.
 * An absent key's outcome is the field's answer to `undefined`, computed once.
 */
export function fastShape(shape: Shape, taken: readonly string[] = []): FastShape {
  const names = shape.map(([name]) => name);
  const runs = shape.map(([, field]) => runner(field));
  const absent = shape.map(([, field]) => field(undefined));
  const takenAt = names.map((name) => taken.indexOf(name));
  const n = names.length;
  return (data, out) => {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const name = names[i] as string;
      const outcome = Object.hasOwn(data, name) ? (runs[i] as Field<unknown>)(data[name]) : absent[i];
      if (outcome === SKIP) continue;
      if (outcome instanceof Invalid) return NOT_FAST;
      const at = takenAt[i] as number;
      if (at >= 0) {
        if (out !== undefined) out[at] = outcome;
      } else result[name] = outcome;
    }
    return result;
  };
}

/** `objectField` and `nestedListField` twins: the nested shape run fast. */
function objectTwin(shape: Shape, allowNull: boolean): Twin {
  let fast: FastShape | undefined;
  return (data) => {
    if (data === null) return allowNull ? null : NOT_FAST;
    if (!isPlainObject(data)) return NOT_FAST;
    // Compiled on first use: the shape's fields may be defined after this object field.
    fast ??= fastShape(shape);
    return fast(data);
  };
}

function nestedListTwin(child: Field<unknown>, allowNull: boolean, maxLength: number | undefined): Twin {
  const run = runner(child);
  return (data) => {
    if (data === null) return allowNull ? null : NOT_FAST;
    if (!Array.isArray(data) || (maxLength !== undefined && data.length > maxLength)) return NOT_FAST;
    const out: unknown[] = new Array<unknown>(data.length);
    for (let i = 0; i < data.length; i++) {
      const item: unknown = data[i];
      if (item === undefined || item === null) {
        if (!allowNull) return NOT_FAST;
        out[i] = null;
        continue;
      }
      const outcome = run(item);
      if (outcome instanceof Invalid || outcome === NOT_FAST) return NOT_FAST;
      out[i] = outcome;
    }
    return out;
  };
}
