/**
 * Pydantic v2's validation error items, as `ValidationError.errors()` lists them: `{type, loc, msg,
 * input, ctx?}`. The messages are pydantic-core's Python-mode templates (`src/errors/types.rs`, the
 * table docs.pydantic.dev/latest/errors/validation_errors/ documents type by type), so an answer built
 * from them reads byte for byte as Sendcloud's v3 service (which validates with Pydantic v2) answers.
 */

/** A location: field names and list indices, outermost first. */
export type Loc = readonly (string | number)[];

export interface ErrorItem {
  type: string;
  loc: Loc;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** A failed validation: every error item, in the order Pydantic reports them. */
export class PydanticValidationError extends Error {
  constructor(readonly items: readonly ErrorItem[]) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${items.length} validation error${items.length === 1 ? '' : 's'}`);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'PydanticValidationError';
  }
}

const plural = (n: number): string => (n === 1 ? '' : 's');

/**
 * Pydantic's `expected` for an enum or a literal: `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'` (reprs joined
 * with commas, the last with `or`).
 */
export function expectedChoices(choices: readonly (string | number)[]): string {
  const reprs = choices.map((c) => (typeof c === 'string' ? `'${c}'` : String(c)));
  if (reprs.length <= 1) return reprs.join('');
  return `${reprs.slice(0, -1).join(', ')} or ${reprs[reprs.length - 1]}`;
}

/** The constructor of an error type whose message has no placeholder and which carries no context. */
const fixed =
  (type: string, msg: string) =>
  (loc: Loc, input: unknown): ErrorItem => ({ type, loc, msg, input });

/** One constructor per error type used here: type, message and context as pydantic-core renders them. */
export const pe = {
  missing: fixed('missing', 'Field required'),
  extraForbidden: fixed('extra_forbidden', 'Extra inputs are not permitted'),
  stringType: fixed('string_type', 'Input should be a valid string'),
  stringTooShort: (loc: Loc, input: unknown, minLength: number): ErrorItem => ({
    type: 'string_too_short',
    loc,
    msg: `String should have at least ${minLength} character${plural(minLength)}`,
    input,
    ctx: { min_length: minLength },
  }),
  stringTooLong: (loc: Loc, input: unknown, maxLength: number): ErrorItem => ({
    type: 'string_too_long',
    loc,
    msg: `String should have at most ${maxLength} character${plural(maxLength)}`,
    input,
    ctx: { max_length: maxLength },
  }),
  stringPatternMismatch: (loc: Loc, input: unknown, pattern: string): ErrorItem => ({
    type: 'string_pattern_mismatch',
    loc,
    msg: `String should match pattern '${pattern}'`,
    input,
    ctx: { pattern },
  }),
  intType: fixed('int_type', 'Input should be a valid integer'),
  intParsing: fixed('int_parsing', 'Input should be a valid integer, unable to parse string as an integer'),
  intFromFloat: fixed(
    'int_from_float',
    'Input should be a valid integer, got a number with a fractional part',
  ),
  floatType: fixed('float_type', 'Input should be a valid number'),
  floatParsing: fixed('float_parsing', 'Input should be a valid number, unable to parse string as a number'),
  finiteNumber: fixed('finite_number', 'Input should be a finite number'),
  decimalType: fixed('decimal_type', 'Decimal input should be an integer, float, string or Decimal object'),
  decimalParsing: fixed('decimal_parsing', 'Input should be a valid decimal'),
  boolType: fixed('bool_type', 'Input should be a valid boolean'),
  boolParsing: fixed('bool_parsing', 'Input should be a valid boolean, unable to interpret input'),
  greaterThan: (loc: Loc, input: unknown, gt: number): ErrorItem => ({
    type: 'greater_than',
    loc,
    msg: `Input should be greater than ${gt}`,
    input,
    ctx: { gt },
  }),
  greaterThanEqual: (loc: Loc, input: unknown, ge: number): ErrorItem => ({
    type: 'greater_than_equal',
    loc,
    msg: `Input should be greater than or equal to ${ge}`,
    input,
    ctx: { ge },
  }),
  lessThanEqual: (loc: Loc, input: unknown, le: number): ErrorItem => ({
    type: 'less_than_equal',
    loc,
    msg: `Input should be less than or equal to ${le}`,
    input,
    ctx: { le },
  }),
  enum: (loc: Loc, input: unknown, choices: readonly (string | number)[]): ErrorItem => {
    const expected = expectedChoices(choices);
    return { type: 'enum', loc, msg: `Input should be ${expected}`, input, ctx: { expected } };
  },
  listType: fixed('list_type', 'Input should be a valid list'),
  tooLong: (loc: Loc, input: unknown, fieldType: string, maxLength: number, actual: number): ErrorItem => ({
    type: 'too_long',
    loc,
    msg: `${fieldType} should have at most ${maxLength} item${plural(maxLength)} after validation, not ${actual}`,
    input,
    ctx: { field_type: fieldType, max_length: maxLength, actual_length: actual },
  }),
  tooShort: (loc: Loc, input: unknown, fieldType: string, minLength: number, actual: number): ErrorItem => ({
    type: 'too_short',
    loc,
    msg: `${fieldType} should have at least ${minLength} item${plural(minLength)} after validation, not ${actual}`,
    input,
    ctx: { field_type: fieldType, min_length: minLength, actual_length: actual },
  }),
  dictType: fixed('dict_type', 'Input should be a valid dictionary'),
  modelType: (loc: Loc, input: unknown, className: string): ErrorItem => ({
    type: 'model_type',
    loc,
    msg: `Input should be a valid dictionary or instance of ${className}`,
    input,
    ctx: { class_name: className },
  }),
  datetimeType: fixed('datetime_type', 'Input should be a valid datetime'),
  datetimeFromDateParsing: (loc: Loc, input: unknown, error: string): ErrorItem => ({
    type: 'datetime_from_date_parsing',
    loc,
    msg: `Input should be a valid datetime or date, ${error}`,
    input,
    ctx: { error },
  }),
  datetimeParsing: (loc: Loc, input: unknown, error: string): ErrorItem => ({
    type: 'datetime_parsing',
    loc,
    msg: `Input should be a valid datetime, ${error}`,
    input,
    ctx: { error },
  }),
  dateType: fixed('date_type', 'Input should be a valid date'),
  dateParsing: (loc: Loc, input: unknown, error: string): ErrorItem => ({
    type: 'date_parsing',
    loc,
    msg: `Input should be a valid date in the format YYYY-MM-DD, ${error}`,
    input,
    ctx: { error },
  }),
  urlType: fixed('url_type', 'URL input should be a string or URL'),
  urlParsing: (loc: Loc, input: unknown, error: string): ErrorItem => ({
    type: 'url_parsing',
    loc,
    msg: `Input should be a valid URL, ${error}`,
    input,
    ctx: { error },
  }),
  valueError: (loc: Loc, input: unknown, error: string): ErrorItem => ({
    type: 'value_error',
    loc,
    msg: `Value error, ${error}`,
    input,
    ctx: { error },
  }),
} as const;
