/** Pydantic v2's validation semantics for the v3 surface, as v2's are DRF's (src/domain/drf). */
export * from './errors.js';
export * from './datetime.js';
export * from './types.js';
