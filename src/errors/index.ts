export { ERROR_CODES, type ErrorName, type ErrorSpec } from './codes.js';
export { HeraldError, isHeraldError, type ErrorBody } from './herald-error.js';
