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

/** One constructor per error type used here: type, message and context as pydantic-core renders them. */
export const pe = {
  missing: (loc: Loc, input: unknown): ErrorItem => ({ type: 'missing', loc, msg: 'Field required', input }),
  extraForbidden: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'extra_forbidden',
    loc,
    msg: 'Extra inputs are not permitted',
    input,
  }),
  stringType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'string_type',
    loc,
    msg: 'Input should be a valid string',
    input,
  }),
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
  intType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'int_type',
    loc,
    msg: 'Input should be a valid integer',
    input,
  }),
  intParsing: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'int_parsing',
    loc,
    msg: 'Input should be a valid integer, unable to parse string as an integer',
    input,
  }),
  intFromFloat: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'int_from_float',
    loc,
    msg: 'Input should be a valid integer, got a number with a fractional part',
    input,
  }),
  floatType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'float_type',
    loc,
    msg: 'Input should be a valid number',
    input,
  }),
  floatParsing: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'float_parsing',
    loc,
    msg: 'Input should be a valid number, unable to parse string as a number',
    input,
  }),
  finiteNumber: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'finite_number',
    loc,
    msg: 'Input should be a finite number',
    input,
  }),
  decimalType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'decimal_type',
    loc,
    msg: 'Decimal input should be an integer, float, string or Decimal object',
    input,
  }),
  decimalParsing: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'decimal_parsing',
    loc,
    msg: 'Input should be a valid decimal',
    input,
  }),
  boolType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'bool_type',
    loc,
    msg: 'Input should be a valid boolean',
    input,
  }),
  boolParsing: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'bool_parsing',
    loc,
    msg: 'Input should be a valid boolean, unable to interpret input',
    input,
  }),
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
  listType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'list_type',
    loc,
    msg: 'Input should be a valid list',
    input,
  }),
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
  dictType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'dict_type',
    loc,
    msg: 'Input should be a valid dictionary',
    input,
  }),
  modelType: (loc: Loc, input: unknown, className: string): ErrorItem => ({
    type: 'model_type',
    loc,
    msg: `Input should be a valid dictionary or instance of ${className}`,
    input,
    ctx: { class_name: className },
  }),
  datetimeType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'datetime_type',
    loc,
    msg: 'Input should be a valid datetime',
    input,
  }),
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
  dateType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'date_type',
    loc,
    msg: 'Input should be a valid date',
    input,
  }),
  dateParsing: (loc: Loc, input: unknown, error: string): ErrorItem => ({
    type: 'date_parsing',
    loc,
    msg: `Input should be a valid date in the format YYYY-MM-DD, ${error}`,
    input,
    ctx: { error },
  }),
  urlType: (loc: Loc, input: unknown): ErrorItem => ({
    type: 'url_type',
    loc,
    msg: 'URL input should be a string or URL',
    input,
  }),
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
