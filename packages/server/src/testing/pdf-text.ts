import { inflateSync } from 'node:zlib';

/**
 * The text a PDF draws, for assertions: inflates its content streams and decodes the hex
 * strings shown with Tj (pdf-lib writes standard-font text that way, in WinAnsi).
 */
export function pdfText(pdf: Uint8Array): string {
  const raw = Buffer.from(pdf);
  const parts: string[] = [];
  let from = 0;
  for (;;) {
    const start = raw.indexOf('stream', from);
    if (start < 0) break;
    const dataStart = raw[start + 6] === 0x0d ? start + 8 : start + 7;
    const end = raw.indexOf('endstream', dataStart);
    if (end < 0) break;
    try {
      parts.push(inflateSync(raw.subarray(dataStart, end)).toString('latin1'));
    } catch {
      // not a Flate stream (an image, fonts): no text there
    }
    from = end + 9;
  }
  return [...parts.join('\n').matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1')).join('\n');
}
