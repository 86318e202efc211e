import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

// The decoder's WebAssembly comes from this server (and the offline cache), never from a CDN.
prepareZXingModule({ overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) } });

const MAX_SIDE = 1600;

/** The text of the first readable QR code in a frame, or null. */
export async function readQrFromImageData(pixels: ImageData): Promise<string | null> {
  const [symbol] = (await readBarcodes(pixels, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 })).filter((s) => s.isValid);
  return symbol?.text ?? null;
}

function pixelsOf(source: CanvasImageSource, width: number, height: number): ImageData | null {
  // Large photos are scaled down: decoding stays fast and QR modules stay several pixels wide.
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return null;
  // A white background: an SVG or a transparent PNG would otherwise read as black on black.
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** An SVG drawn through an <img> (createImageBitmap does not take SVG), at a size QR modules survive. */
async function svgPixels(file: Blob): Promise<ImageData | null> {
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const side = Math.max(image.naturalWidth, image.naturalHeight, 1000);
    const ratio = image.naturalWidth && image.naturalHeight ? image.naturalWidth / image.naturalHeight : 1;
    return pixelsOf(image, ratio >= 1 ? side : side * ratio, ratio >= 1 ? side / ratio : side);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The text of the QR code in a picture (photo, screenshot, the portal's PNG or SVG download), or null. */
export async function readQrFromImage(file: Blob & { name?: string }): Promise<string | null> {
  let pixels: ImageData | null;
  try {
    if (file.type === 'image/svg+xml' || /\.svg$/i.test(file.name ?? '')) pixels = await svgPixels(file);
    else {
      const bitmap = await createImageBitmap(file);
      pixels = pixelsOf(bitmap, bitmap.width, bitmap.height);
      bitmap.close();
    }
  } catch {
    throw new Error("Ce fichier n'a pas pu être ouvert comme une image. Utilisez une photo ou une capture d'écran (PNG, JPEG ou SVG).");
  }
  return pixels ? readQrFromImageData(pixels) : null;
}
