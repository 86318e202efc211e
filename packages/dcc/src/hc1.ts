import { DccError } from './steps.js';

/** Context identifier of an EU DCC v1 ("HC1:"). */
export const HC1_PREFIX = 'HC1:';
/** A DCC inflates to a few kilobytes: bound the output so a crafted zlib stream cannot exhaust memory. */
export const MAX_INFLATED_BYTES = 256 * 1024;

/** Step `unprefix`: the text must start with "HC1:" (no other context is supported). */
export function unprefixHc1(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith(HC1_PREFIX)) throw new DccError('unprefix', 'Le préfixe HC1: est absent.');
  return trimmed.slice(HC1_PREFIX.length);
}

/**
 * Step `compression`: the payload must be a zlib stream (RFC 1950; an uncompressed COSE fails,
 * as the vectors require). The platform's DecompressionStream does the work in Node and in
 * browsers alike; reading stops past MAX_INFLATED_BYTES.
 */
export async function inflateHc1(compressed: Uint8Array): Promise<Uint8Array> {
  const fail = (cause?: unknown) => new DccError('compression', 'La décompression a échoué.', { cause });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const stream = new Blob([compressed.slice()]).stream().pipeThrough(new DecompressionStream('deflate'));
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_INFLATED_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw fail();
      }
      chunks.push(value);
    }
  } catch (cause) {
    throw cause instanceof DccError ? cause : fail(cause);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
