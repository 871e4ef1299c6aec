/**
 * Pydantic v2's field types in lax mode (the default), as small validators over parsed JSON. Each takes
 * the input and its location, appends Pydantic's error items for what fails and answers the validated
 * value (or `INVALID`). The coercions are those of Pydantic's conversion table
 * (docs.pydantic.dev/latest/concepts/conversion_table/) for JSON input:
 *
 * - `int`: an integer; a float with a zero fraction (`5.0`); a string of one (`"5"`, `" 5 "`, `"1_000"`,
 *   `"5.00"`); a boolean. A fraction is `int_from_float`, another string `int_parsing`.
 * - `float`: any number, a boolean, a numeric string (`"3.5"`, `"1e3"`, `"inf"`).
 * - `Decimal`: a number or a numeric string, kept as its text (Python's `Decimal(str(x))`).
 * - `bool`: a boolean, `0`/`1`, and the strings `0 off f false n no 1 on t true y yes` in any case.
 * - `str`: a string only (Pydantic v2 turns no number into a string).
 * - `datetime`: see datetime.ts.
 *
 * Numbers keep their source text through the JSON reader (drf/json.ts `JsonNumber`): `5.0` is a float
 * with an integral value, which `int` accepts, and an integer literal beyond 2^53 is still an `int`.
 */
import { pyLength } from '../drf/fields.js';
import { JsonNumber } from '../drf/repr.js';
import { type PyDateTime, parsePyDateTime } from './datetime.js';
import { type ErrorItem, type Loc, pe } from './errors.js';

export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

/** A validator: the value, or INVALID with its errors appended to `errors`. */
export type Validator<T> = (input: unknown, loc: Loc, errors: ErrorItem[]) => T | Invalid;

interface NumberInput {
  value: number;
  isFloat: boolean;
  text: string;
}

/** A JSON number in either form (plain JS number or `JsonNumber`), or null for any other input. */
function numberInput(input: unknown): NumberInput | null {
  if (input instanceof JsonNumber) return { value: input.value, isFloat: input.isFloat, text: input.text };
  if (typeof input === 'number') {
    return { value: input, isFloat: !Number.isSafeInteger(input), text: String(input) };
  }
  return null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  );
}

export interface NumberBounds {
  gt?: number;
  ge?: number;
  le?: number;
}

function checkBounds(
  value: number,
  bounds: NumberBounds,
  loc: Loc,
  input: unknown,
  errors: ErrorItem[],
): boolean {
  if (bounds.gt !== undefined && !(value > bounds.gt)) {
    errors.push(pe.greaterThan(loc, input, bounds.gt));
    return false;
  }
  if (bounds.ge !== undefined && !(value >= bounds.ge)) {
    errors.push(pe.greaterThanEqual(loc, input, bounds.ge));
    return false;
  }
  if (bounds.le !== undefined && !(value <= bounds.le)) {
    errors.push(pe.lessThanEqual(loc, input, bounds.le));
    return false;
  }
  return true;
}

// pydantic-core's `str_as_int`: surrounding white space, `_` between digits, and a zero fraction.
const INT_TEXT = /^[+-]?\d+(?:_\d+)*(?:\.0*)?$/;

/** The integer a lax `int` reads, its Python text (for messages), or INVALID. */
export function pyInt(bounds: NumberBounds = {}): Validator<number> {
  return (input, loc, errors) => {
    let value: number;
    if (typeof input === 'boolean') value = input ? 1 : 0;
    else if (typeof input === 'string') {
      const text = input.trim();
      if (!INT_TEXT.test(text)) {
        errors.push(pe.intParsing(loc, input));
        return INVALID;
      }
      value = Number(text.replace(/_/g, '').replace(/\.0*$/, ''));
    } else {
      const number = numberInput(input);
      if (number === null) {
        errors.push(pe.intType(loc, input));
        return INVALID;
      }
      if (!Number.isFinite(number.value)) {
        errors.push(pe.finiteNumber(loc, input));
        return INVALID;
      }
      if (number.isFloat && !Number.isInteger(number.value)) {
        errors.push(pe.intFromFloat(loc, input));
        return INVALID;
      }
      value = number.value;
    }
    return checkBounds(value, bounds, loc, input, errors) ? value : INVALID;
  };
}

// Python's float() syntax: digits with `_`, a fraction, an exponent; `inf`, `infinity`, `nan`.
const FLOAT_TEXT = /^[+-]?(?:(?:\d+(?:_\d+)*)?(?:\.\d+(?:_\d+)*)?|\d+(?:_\d+)*\.)(?:[eE][+-]?\d+)?$/;
const FLOAT_WORDS = /^[+-]?(?:inf|infinity|nan)$/i;

/** A lax `float`. */
export function pyFloat(bounds: NumberBounds = {}): Validator<number> {
  return (input, loc, errors) => {
    let value: number;
    if (typeof input === 'boolean') value = input ? 1 : 0;
    else if (typeof input === 'string') {
      const text = input.trim();
      if (FLOAT_WORDS.test(text)) {
        const lower = text.toLowerCase();
        value = lower.includes('nan') ? NaN : lower.startsWith('-') ? -Infinity : Infinity;
      } else if (text !== '' && /\d/.test(text) && FLOAT_TEXT.test(text)) {
        value = Number(text.replace(/_/g, ''));
      } else {
        errors.push(pe.floatParsing(loc, input));
        return INVALID;
      }
    } else {
      const number = numberInput(input);
      if (number === null) {
        errors.push(pe.floatType(loc, input));
        return INVALID;
      }
      value = number.value;
    }
    return checkBounds(value, bounds, loc, input, errors) ? value : INVALID;
  };
}

const DECIMAL_TEXT = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?$/;

/** A lax `Decimal`, as its text (`"3.50"` stays `"3.50"`); not finite is `finite_number`. */
export function pyDecimal(bounds: NumberBounds = {}): Validator<string> {
  return (input, loc, errors) => {
    let text: string;
    if (typeof input === 'string') {
      text = input.trim();
      if (FLOAT_WORDS.test(text)) {
        errors.push(pe.finiteNumber(loc, input));
        return INVALID;
      }
      if (!DECIMAL_TEXT.test(text)) {
        errors.push(pe.decimalParsing(loc, input));
        return INVALID;
      }
      text = text.replace(/_/g, '');
    } else {
      const number = numberInput(input);
      if (number === null) {
        errors.push(pe.decimalType(loc, input));
        return INVALID;
      }
      text = input instanceof JsonNumber ? input.text : String(number.value);
    }
    return checkBounds(Number(text), bounds, loc, input, errors) ? text : INVALID;
  };
}

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** A lax `bool`. */
export const pyBool: Validator<boolean> = (input, loc, errors) => {
  if (typeof input === 'boolean') return input;
  if (typeof input === 'string') {
    const word = input.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    errors.push(pe.boolParsing(loc, input));
    return INVALID;
  }
  const number = numberInput(input);
  if (number !== null) {
    if (number.value === 1) return true;
    if (number.value === 0) return false;
    errors.push(pe.boolParsing(loc, input));
    return INVALID;
  }
  errors.push(pe.boolType(loc, input));
  return INVALID;
};

export interface StrConstraints {
  minLength?: number;
  maxLength?: number;
  /** Searched, not anchored: pydantic-core matches the pattern anywhere in the string. */
  pattern?: string;
}

/** A `str` (constr): length in code points, as Python's `len`. */
export function pyStr(constraints: StrConstraints = {}): Validator<string> {
  const regex = constraints.pattern === undefined ? null : new RegExp(constraints.pattern, 'u');
  return (input, loc, errors) => {
    if (typeof input !== 'string') {
      errors.push(pe.stringType(loc, input));
      return INVALID;
    }
    const length = pyLength(input);
    if (constraints.minLength !== undefined && length < constraints.minLength) {
      errors.push(pe.stringTooShort(loc, input, constraints.minLength));
      return INVALID;
    }
    if (constraints.maxLength !== undefined && length > constraints.maxLength) {
      errors.push(pe.stringTooLong(loc, input, constraints.maxLength));
      return INVALID;
    }
    if (regex !== null && !regex.test(input)) {
      errors.push(pe.stringPatternMismatch(loc, input, constraints.pattern as string));
      return INVALID;
    }
    return input;
  };
}

/** A `str` enum: the string must be one of `choices` exactly. */
export function pyEnum<C extends string>(choices: readonly C[]): Validator<C> {
  const allowed: ReadonlySet<string> = new Set(choices);
  return (input, loc, errors) => {
    if (typeof input === 'string' && allowed.has(input)) return input as C;
    errors.push(pe.enum(loc, input, choices));
    return INVALID;
  };
}

/** A lax `datetime`. */
export const pyDateTime: Validator<PyDateTime> = (input, loc, errors) => {
  const number = numberInput(input);
  const outcome = parsePyDateTime(input, number === null ? null : number.value);
  if (outcome.ok) return outcome.value;
  if (outcome.kind === 'type') errors.push(pe.datetimeType(loc, input));
  else if (number !== null) errors.push(pe.datetimeParsing(loc, input, outcome.error));
  else errors.push(pe.datetimeFromDateParsing(loc, input, outcome.error));
  return INVALID;
};

/** An `AnyUrl`: a string with a scheme and, for hierarchical schemes, a host. */
export const pyUrl: Validator<string> = (input, loc, errors) => {
  if (typeof input !== 'string') {
    errors.push(pe.urlType(loc, input));
    return INVALID;
  }
  if (input === '') {
    errors.push(pe.urlParsing(loc, input, 'input is empty'));
    return INVALID;
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(input)) {
    errors.push(pe.urlParsing(loc, input, 'relative URL without a base'));
    return INVALID;
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    errors.push(
      pe.urlParsing(
        loc,
        input,
        /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[/?#]?$/.test(input)
          ? 'empty host'
          : 'invalid international domain name',
      ),
    );
    return INVALID;
  }
  if (/^(https?|ftp|wss?):$/.test(url.protocol) && url.hostname === '') {
    errors.push(pe.urlParsing(loc, input, 'empty host'));
    return INVALID;
  }
  return input;
};

/**
 * An `EmailStr`: the common failures email-validator names (`value is not a valid email address: …`);
 * deliverability is not checked, as Pydantic does not.
 */
export const pyEmail: Validator<string> = (input, loc, errors) => {
  if (typeof input !== 'string') {
    errors.push(pe.stringType(loc, input));
    return INVALID;
  }
  const at = input.lastIndexOf('@');
  let reason: string | null = null;
  if (at < 0) reason = 'An email address must have an @-sign.';
  else if (at === 0) reason = 'There must be something before the @-sign.';
  else if (at === input.length - 1) reason = 'There must be something after the @-sign.';
  else if (!input.slice(at + 1).includes('.'))
    reason = 'The part after the @-sign is not valid. It should have a period.';
  if (reason !== null) {
    errors.push(pe.valueError(loc, input, `value is not a valid email address: ${reason}`));
    return INVALID;
  }
  return input;
};

/** A `dict[str, Any]`: any JSON object, kept as it is. */
export const pyDict: Validator<Record<string, unknown>> = (input, loc, errors) => {
  if (!isPlainObject(input)) {
    errors.push(pe.dictType(loc, input));
    return INVALID;
  }
  return input;
};

export interface ListConstraints {
  minLength?: number;
  maxLength?: number;
}

/** A `list[T]`: each item validated at its index; a length bound is checked before the items. */
export function pyList<T>(item: Validator<T>, constraints: ListConstraints = {}): Validator<T[]> {
  return (input, loc, errors) => {
    if (!Array.isArray(input)) {
      errors.push(pe.listType(loc, input));
      return INVALID;
    }
    if (constraints.maxLength !== undefined && input.length > constraints.maxLength) {
      errors.push(pe.tooLong(loc, input, 'List', constraints.maxLength, input.length));
      return INVALID;
    }
    if (constraints.minLength !== undefined && input.length < constraints.minLength) {
      errors.push(pe.tooShort(loc, input, 'List', constraints.minLength, input.length));
      return INVALID;
    }
    const out: T[] = [];
    let failed = false;
    input.forEach((value: unknown, i) => {
      const validated = item(value, [...loc, i], errors);
      if (validated === INVALID) failed = true;
      else out.push(validated);
    });
    return failed ? INVALID : out;
  };
}

export interface FieldSpec {
  validator: Validator<unknown>;
  /** Absent is `missing` (`Field required`); null is then the inner type's error. */
  required?: boolean;
}

export interface ModelOptions {
  /** Pydantic's `extra`: unknown members ignored (the default) or `extra_forbidden`. */
  extra?: 'ignore' | 'forbid';
}

export type Fields = Readonly<Record<string, FieldSpec>>;

/**
 * A `BaseModel`: fields validated in declaration order (the order of Pydantic's errors), unknown members
 * dropped or forbidden. An optional field is `Optional[T] = None`: absent or null, it is left out of the
 * value, so an answer never carries `null`.
 */
export function pyModel(
  className: string,
  fields: Fields,
  options: ModelOptions = {},
): Validator<Record<string, unknown>> {
  const names = Object.keys(fields);
  return (input, loc, errors) => {
    if (!isPlainObject(input)) {
      errors.push(pe.modelType(loc, input, className));
      return INVALID;
    }
    const out: Record<string, unknown> = {};
    let failed = false;
    for (const name of names) {
      const spec = fields[name] as FieldSpec;
      const present = Object.hasOwn(input, name);
      const value = present ? input[name] : undefined;
      if (!present) {
        if (spec.required) {
          errors.push(pe.missing([...loc, name], input));
          failed = true;
        }
        continue;
      }
      if (value === null && !spec.required) continue;
      const validated = spec.validator(value, [...loc, name], errors);
      if (validated === INVALID) failed = true;
      else
        Object.defineProperty(out, name, {
          value: validated,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    if (options.extra === 'forbid') {
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(fields, key)) {
          errors.push(pe.extraForbidden([...loc, key], input[key]));
          failed = true;
        }
      }
    }
    return failed ? INVALID : out;
  };
}

/** Runs a validator at the root: the value, or the error items. */
export function validate<T>(
  validator: Validator<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; errors: ErrorItem[] } {
  const errors: ErrorItem[] = [];
  const value = validator(input, [], errors);
  if (value === INVALID) return { ok: false, errors };
  return { ok: true, value };
}
