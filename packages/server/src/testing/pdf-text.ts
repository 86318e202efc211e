import { createCanvas } from '@napi-rs/canvas';
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

/**
 * PDFs read as a viewer reads them (pdf.js, Firefox's engine): their text through the fonts'
 * Unicode maps, each line's box on the page, and the page rendered to an image. Tests check
 * what a patient would see, not what the generator meant to draw.
 */
async function open(pdf: Uint8Array): Promise<PDFDocumentProxy> {
  // pdf.js takes ownership of the buffer it is given.
  return getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
}

export interface TextBox {
  page: number;
  text: string;
  /** PDF points from the bottom left corner of the page. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every text run with its box, page by page. */
export async function pdfTextBoxes(pdf: Uint8Array): Promise<{ pages: Array<{ width: number; height: number }>; boxes: TextBox[] }> {
  const doc = await open(pdf);
  const pages: Array<{ width: number; height: number }> = [];
  const boxes: TextBox[] = [];
  for (let number = 1; number <= doc.numPages; number++) {
    const page = await doc.getPage(number);
    const { width, height } = page.getViewport({ scale: 1 });
    pages.push({ width, height });
    const content = await page.getTextContent();
    for (const item of content.items) {
      if (!('str' in item) || item.str.trim() === '') continue;
      // The text matrix [a, b, c, d, e, f] (numbers; pdf.js types it any[]): e and f place the text.
      const [, , , , x, y] = item.transform as [number, number, number, number, number, number];
      boxes.push({ page: number, text: item.str, x, y, width: item.width, height: item.height });
    }
  }
  await doc.destroy();
  return { pages, boxes };
}

/** The text a PDF shows, one line per text run. */
export async function pdfText(pdf: Uint8Array): Promise<string> {
  return (await pdfTextBoxes(pdf)).boxes.map((box) => box.text).join('\n');
}

/** Page `number` rendered as a viewer would (PNG, `scale` × 72 dpi). */
export async function renderPdfPage(pdf: Uint8Array, number = 1, scale = 1.5): Promise<{ png: Buffer; width: number; height: number; ink: (x: number, y: number) => boolean }> {
  const doc = await open(pdf);
  const page = await doc.getPage(number);
  const viewport = page.getViewport({ scale });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  await page.render({ canvasContext: context as unknown as CanvasRenderingContext2D, canvas: canvas as unknown as HTMLCanvasElement, viewport }).promise;
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  await doc.destroy();
  return {
    png: canvas.toBuffer('image/png'),
    width: canvas.width,
    height: canvas.height,
    /** Whether the pixel (image coordinates, top left origin) is not white. */
    ink: (x, y) => {
      const i = (y * canvas.width + x) * 4;
      return pixels[i]! < 235 || pixels[i + 1]! < 235 || pixels[i + 2]! < 235;
    },
  };
}

/**
 * Layout faults a reader would see: text outside the margins or off the page, and text runs
 * of different lines overlapping (a title on top of the line above).
 */
export async function pdfLayoutFaults(pdf: Uint8Array, margin = 36): Promise<string[]> {
  const { pages, boxes } = await pdfTextBoxes(pdf);
  const faults: string[] = [];
  for (const box of boxes) {
    const { width, height } = pages[box.page - 1]!;
    if (box.x < margin - 1 || box.x + box.width > width - margin + 1 || box.y < margin - 1 || box.y + box.height > height - margin / 2 + 1) {
      faults.push(`p${box.page} « ${box.text} » sort des marges (x ${box.x.toFixed(0)}–${(box.x + box.width).toFixed(0)}, y ${box.y.toFixed(0)})`);
    }
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.page !== b.page || Math.abs(a.y - b.y) < 0.5) continue; // runs of one line
      // Ink from the baseline: accented capitals reach ~0.8 × size above it, descenders ~0.2 below.
      const overlapX = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const overlapY = Math.min(a.y + a.height * 0.8, b.y + b.height * 0.8) - Math.max(a.y - a.height * 0.2, b.y - b.height * 0.2);
      if (overlapX > 1 && overlapY > 1) faults.push(`p${a.page} « ${a.text} » chevauche « ${b.text} »`);
    }
  }
  return faults;
}

/**
 * Text runs a reader would not see although the PDF holds them (a font subset that lost its
 * glyphs still copies as text): too little ink in the run's box for its number of letters.
 */
export async function pdfBlankText(pdf: Uint8Array): Promise<string[]> {
  const scale = 2;
  const { pages, boxes } = await pdfTextBoxes(pdf);
  const blank: string[] = [];
  for (let number = 1; number <= pages.length; number++) {
    const image = await renderPdfPage(pdf, number, scale);
    const height = pages[number - 1]!.height;
    for (const box of boxes.filter((b) => b.page === number)) {
      const letters = box.text.replace(/\s/g, '').length;
      const [left, right] = [Math.floor(box.x * scale), Math.ceil((box.x + box.width) * scale)];
      const [top, bottom] = [Math.floor((height - box.y - box.height * 0.8) * scale), Math.ceil((height - box.y + box.height * 0.2) * scale)];
      let ink = 0;
      for (let y = Math.max(0, top); y < Math.min(image.height, bottom); y++) for (let x = Math.max(0, left); x < Math.min(image.width, right); x++) if (image.ink(x, y)) ink++;
      if (ink < letters * (box.height * scale) ** 2 * 0.03) blank.push(`p${number} « ${box.text} »`);
    }
  }
  return blank;
}
