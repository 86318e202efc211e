/**
 * The act forms' pieces now live in files named for what they do (dates, patient,
 * field-errors, ErrorSummary, …). Kept for the pages outside acts/ that still import from here.
 */
export { formatDate, formatDateTime } from './dates';
export { ErrorSummary } from './ErrorSummary';
export { FieldError, fieldProps, type FieldErrors } from './field-errors';
export { birthPhrase } from './patient';
