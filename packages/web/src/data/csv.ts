/**
 * CSV for French spreadsheets (RFC 4180 quoting, `;` between fields, CRLF, UTF-8 with a BOM so
 * that Excel reads the accents): the outbox's duplicate (/envois) and the statistics (/statistiques).
 */
export function csvField(value: string): string {
  // A leading =, +, - or @ would be read as a formula by spreadsheets.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[;"\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Lines of fields (or whole lines already written, such as `# comments`) as a CSV file. */
export function csvBlob(lines: ReadonlyArray<string | readonly string[]>): Blob {
  const text = lines.map((line) => (typeof line === 'string' ? line : line.map(csvField).join(';'))).join('\r\n');
  return new Blob([`\uFEFF${text}\r\n`], { type: 'text/csv;charset=utf-8' });
}
