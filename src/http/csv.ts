/**
 * CSV for governors' spreadsheets. A cell that starts with = + - @ (or a tab or carriage return) would be
 * run as a formula by Excel or LibreOffice, so it gets a leading apostrophe: a note or a title typed by a
 * teacher, or a URL, can never become a formula on the e-safety lead's computer.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
