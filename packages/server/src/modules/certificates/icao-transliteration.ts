/**
 * Name standardisation for the DCC `fnt` / `gnt` fields: ICAO Doc 9303 Part 3 (MRZ
 * transliteration of Latin-based national characters), as the DCC schema asks
 * (pattern `^[A-Z<]*$`, at most 80 characters).
 *
 * - letters are upper-cased and stripped of diacritics (É → E, Ç → C, Ł → L…), except the
 *   recommended multi-letter forms Ä → AE, Å → AA, Æ → AE, Ö → OE, Ø → OE, Œ → OE, Ü → UE,
 *   ß → SS, Þ → TH, Ĳ → IJ;
 * - apostrophes are omitted (ICAO: D'ARTAGNAN → DARTAGNAN; the DCC schema's own example is
 *   `d'Červenková Panklová` → `DCERVENKOVA<PANKLOVA`);
 * - spaces, hyphens and commas become the filler `<` (runs collapsed, none at either end);
 * - any other character (other scripts, digits, punctuation) is dropped;
 * - the result is cut to 80 characters.
 */
export const MAX_STANDARDISED_NAME_LENGTH = 80;

const MULTI_LETTER: Record<string, string> = {
  Ä: 'AE',
  Å: 'AA',
  Æ: 'AE',
  Ö: 'OE',
  Ø: 'OE',
  Œ: 'OE',
  Ü: 'UE',
  ẞ: 'SS',
  Þ: 'TH',
  Ĳ: 'IJ',
  Ð: 'D',
  Đ: 'D',
  Ħ: 'H',
  Ł: 'L',
  Ŀ: 'L',
  Ŋ: 'N',
  Ŧ: 'T',
  ı: 'I',
};

const APOSTROPHES = /['’‘ʼ`´]/gu;
const FILLER = /^[\s\-‐‑‒–—,]$/u;

export function transliterateIcao(name: string): string {
  // ß upper-cases to "SS" by itself; the other special letters are mapped before NFD splits them.
  const upper = name.normalize('NFC').replace(APOSTROPHES, '').toUpperCase();
  let out = '';
  for (const char of upper) {
    const mapped = MULTI_LETTER[char];
    if (mapped !== undefined) {
      out += mapped;
      continue;
    }
    // Decompose and drop combining marks: É → E + U+0301 → E.
    const base = char.normalize('NFD').replace(/\p{M}/gu, '');
    out += FILLER.test(base) ? '<' : base.replace(/[^A-Z]/g, '');
  }
  return out
    .replace(/<+/g, '<')
    .replace(/^<|<$/g, '')
    .slice(0, MAX_STANDARDISED_NAME_LENGTH)
    .replace(/<$/, '');
}
