import * as upstreamFontkit from 'fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';

/**
 * Every PDF the service hands out (the server's certificates and COVID+ documents, the
 * browser's provisional attestations) is written through this one module: the same
 * Unicode font (Noto Sans, embedded as a subset, so Cyrillic, Greek and every Latin accent
 * print as typed; the PDF standard fonts only know WinAnsi), and the same line layout —
 * each line placed below the previous one by its own size, and wrapped inside the margins.
 * The font files are loaded by each side (a file on the server, a precached asset in the
 * browser) and passed in.
 */
export const A4: readonly [number, number] = [595.28, 841.89];
export const BLUE = rgb(0, 0, 0.57);
export const INK = rgb(0.09, 0.09, 0.09);
export const GREY = rgb(0.4, 0.4, 0.4);
export const RED = rgb(0.81, 0.02, 0);

/**
 * fontkit for pdf-lib. Upstream fontkit, not the `@pdf-lib/fontkit` fork: the fork writes
 * TrueType subsets with a corrupt `loca` table (Noto Sans then prints with most letters
 * blank, though the text still copies), fixed upstream since fontkit 1.8. pdf-lib asks a
 * subset for `encodeStream()`, which fontkit 2 replaced by `encode()`: adapted here.
 */
const fontkit = {
  create(data: Uint8Array) {
    // Keyed by the file's own buffer (a view of part of a shared buffer is not cached).
    const key = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : undefined;
    const cached = key && parsed.get(key);
    if (cached) return cached;
    const font = upstreamFontkit.create(data as Buffer) as upstreamFontkit.Font;
    const createSubset = font.createSubset.bind(font);
    const adapted = Object.assign(font, {
      createSubset: () => {
        const subset = createSubset();
        return Object.assign(subset, { encodeStream: () => emitOnce(() => subset.encode()) });
      },
    });
    if (key) parsed.set(key, adapted);
    return adapted;
  },
};
/** Parsing a 630 kB font costs more than the rest of a document: once per loaded file. */
const parsed = new WeakMap<ArrayBufferLike, upstreamFontkit.Font>();

/** The little of a Node stream pdf-lib listens to: data, end, or error, after it subscribed. */
function emitOnce(produce: () => Uint8Array) {
  const handlers: Partial<Record<'data' | 'end' | 'error', (value?: unknown) => void>> = {};
  const stream = {
    on(event: 'data' | 'end' | 'error', handler: (value?: unknown) => void) {
      handlers[event] = handler;
      return stream;
    },
  };
  queueMicrotask(() => {
    try {
      handlers.data?.(produce());
      handlers.end?.();
    } catch (error) {
      handlers.error?.(error);
    }
  });
  return stream;
}

export interface FontFiles {
  regular: Uint8Array | ArrayBuffer;
  bold: Uint8Array | ArrayBuffer;
}

export interface DocumentFonts {
  regular: PDFFont;
  bold: PDFFont;
}

/** Control characters are never drawn (a PDF text operator would show them as boxes). */
export function printable(text: string): string {
  return text.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

/**
 * Lines of `text` no wider than `width` at `size`: words wrapped at spaces (and after
 * hyphens or slashes if a word alone is too wide), a word wider than a line cut.
 */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const fits = (candidate: string) => font.widthOfTextAtSize(candidate, size) <= width;
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text).split(/ +/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    // A word wider than the whole line (a URL, a long code): cut it, preferring - and /.
    let rest = word;
    while (!fits(rest)) {
      let cut = rest.length - 1;
      while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
      const soft = Math.max(rest.lastIndexOf('-', cut - 1), rest.lastIndexOf('/', cut - 1));
      if (soft > 0) cut = soft + 1;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line = rest;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

export interface TextOptions {
  size?: number;
  bold?: boolean;
  color?: RGB;
  /** Extra space after the block, in points. */
  gap?: number;
  /** From the left margin, in points. */
  indent?: number;
}

/** Writes blocks top to bottom on A4 pages, a new page when one is full. */
export class DocumentWriter {
  page: PDFPage;
  /** Baseline of the last line written (the top margin before the first). */
  y: number;

  constructor(
    readonly pdf: PDFDocument,
    readonly fonts: DocumentFonts,
    readonly margin = 50,
    at?: { page: PDFPage; y: number },
  ) {
    this.page = at?.page ?? pdf.addPage([...A4]);
    this.y = at?.y ?? A4[1] - margin;
  }

  /** Another writer on the same page from `y` down (a column beside an image). */
  from(y: number): DocumentWriter {
    return new DocumentWriter(this.pdf, this.fonts, this.margin, { page: this.page, y });
  }

  get width(): number {
    return A4[0] - 2 * this.margin;
  }

  font(bold = false): PDFFont {
    return bold ? this.fonts.bold : this.fonts.regular;
  }

  /** Room for `height` points below the current line, or a new page. */
  ensure(height: number): void {
    if (this.y - height >= this.margin) return;
    this.page = this.pdf.addPage([...A4]);
    this.y = A4[1] - this.margin;
  }

  /** A wrapped paragraph; each line goes down by its own line height (1.3 × size). */
  text(text: string, options: TextOptions = {}): void {
    const size = options.size ?? 11;
    const font = this.font(options.bold);
    const indent = options.indent ?? 0;
    for (const line of wrapText(text, font, size, this.width - indent)) {
      this.ensure(size * 1.3);
      this.y -= size * 1.3;
      this.page.drawText(line, { x: this.margin + indent, y: this.y, size, font, color: options.color ?? INK });
    }
    this.y -= options.gap ?? 2;
  }

  /** "Label : value", the label in grey. */
  field(label: string, value: string, options: TextOptions = {}): void {
    this.text(`${label} : ${value}`, options);
  }

  section(title: string): void {
    this.y -= 8;
    this.text(title, { size: 12, bold: true, color: BLUE });
  }

  /** Leaves `height` points empty (an image is drawn there by the caller); returns its top. */
  reserve(height: number): number {
    this.ensure(height);
    const top = this.y;
    this.y -= height;
    return top;
  }
}

/** A new A4 document in French with the embedded Unicode fonts. */
export async function createDocument(options: { title: string; fonts: FontFiles; margin?: number }) {
  const pdf = await PDFDocument.create();
  pdf.setTitle(printable(options.title));
  pdf.setLanguage('fr-FR');
  pdf.setProducer('ProStopCovid');
  pdf.registerFontkit(fontkit as unknown as Parameters<PDFDocument['registerFontkit']>[0]);
  const fonts: DocumentFonts = {
    regular: await pdf.embedFont(options.fonts.regular, { subset: true }),
    bold: await pdf.embedFont(options.fonts.bold, { subset: true }),
  };
  return { pdf, fonts, writer: new DocumentWriter(pdf, fonts, options.margin) };
}
