/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading
 * =, +, - or @ is prefixed with ' so that a spreadsheet does not read it as a formula.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (comma-separated, CRLF-terminated). */
export const csvLine = (values: ReadonlyArray<string | number | null | undefined>): string => `${values.map(csvField).join(',')}\r\n`;
