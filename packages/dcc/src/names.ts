/**
 * People's names, one policy for every side (the pro portal's forms, the server's schemas,
 * the lab interface, the certificates and every PDF):
 *
 * - **At entry**: letters of the Latin, Greek and Cyrillic scripts (with their accents), in
 *   words separated by spaces, hyphens or apostrophes; at most 80 characters. No digits,
 *   control characters, emoji, symbols or markup. Other scripts (Arabic, Hebrew, Chinese…)
 *   are refused with a message asking for the Latin spelling of the identity document:
 *   the EU certificate needs an ICAO 9303 transliteration (`fnt`/`gnt`), and the PDF
 *   library draws glyphs left to right without contextual shaping, so an Arabic or Hebrew
 *   name would be printed wrong. The three scripts kept are exactly what the embedded font
 *   (Noto Sans) draws and what the transliteration below covers; a test proves both for
 *   every code point the pattern accepts.
 * - **Stored** in NFC, trimmed.
 * - **Transliterated** for `fnt`/`gnt` by ICAO Doc 9303 Part 3: Latin national characters
 *   (Table A), Cyrillic (Table B, Russian forms where languages differ), and Greek as Greek
 *   passports write their machine-readable zone (ELOT 743).
 */
export const PERSON_NAME_MAX_LENGTH = 80;

/**
 * The letters of living languages in the three scripts, each with an A–Z transliteration:
 * Latin (Latin-1, Extended-A, the Extended-B letters of Vietnamese, Romanian and pinyin,
 * Extended Additional), modern Greek (with tonos and dialytika), Cyrillic (Russian,
 * Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian); and the combining accents, which
 * NFC folds into them (in a class of their own: an accent right after a letter in a class
 * reads as one combined character).
 */
const LETTER =
  '(?:[A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u0137\\u0139-\\u017F\\u01A0\\u01A1\\u01AF\\u01B0\\u01CD-\\u01DC\\u0218-\\u021B' +
  '\\u1E00-\\u1E9B\\u1E9E\\u1EA0-\\u1EF9\\u0386\\u0388-\\u038A\\u038C\\u038E-\\u03A1\\u03A3-\\u03CE\\u0400-\\u045F\\u0490\\u0491]|[\\u0300-\\u036F])';
const SEPARATOR = `[ \\-'’]`;

/**
 * The name policy as a JSON Schema `pattern` (Unicode regular expression): words of letters
 * joined by separators, spaces allowed around (the server trims). Length is checked apart.
 */
export const PERSON_NAME_PATTERN = `^ *${LETTER}+(?:${SEPARATOR}+${LETTER}+)* *$`;
const PERSON_NAME = new RegExp(PERSON_NAME_PATTERN, 'u');
const ANY_LETTER = /\p{L}/u;
const OTHER_SCRIPT_LETTER = new RegExp(`(?!${LETTER})\\p{L}`, 'u');

/** Why a name cannot be recorded (French, for the person typing it), or undefined. */
export function personNameProblem(value: string): string | undefined {
  const name = value.normalize('NFC').trim();
  if (name === '') return 'Ce champ est obligatoire.';
  if ([...name].length > PERSON_NAME_MAX_LENGTH) return `${PERSON_NAME_MAX_LENGTH} caractères au plus.`;
  if (PERSON_NAME.test(name)) return undefined;
  if (ANY_LETTER.test(name) && OTHER_SCRIPT_LETTER.test(name)) {
    return "Écrivez le nom en lettres latines, tel qu'il figure sur la pièce d'identité (alphabets latin, grec et cyrillique acceptés).";
  }
  return 'Lettres seulement, séparées par des espaces, des traits d’union ou des apostrophes (pas de chiffres, de symboles ni d’émoticônes).';
}

/** The stored form of a name that passed the policy. */
export function normalizePersonName(value: string): string {
  return value.normalize('NFC').trim();
}

// ICAO 9303 Part 3, Table A: the multi-letter forms of Latin national characters.
const LATIN: Record<string, string> = {
  Ä: 'AE', Å: 'AA', Æ: 'AE', Ö: 'OE', Ø: 'OE', Œ: 'OE', Ü: 'UE', ẞ: 'SS', Þ: 'TH', Ĳ: 'IJ',
  Ð: 'D', Đ: 'D', Ħ: 'H', Ł: 'L', Ŀ: 'L', Ŋ: 'N', Ŧ: 'T', ı: 'I',
};

// Table B (Cyrillic). Where languages differ (Г is H in Ukrainian), the Russian form.
const CYRILLIC: Record<string, string> = {
  А: 'A', Б: 'B', В: 'V', Г: 'G', Ґ: 'G', Д: 'D', Ѓ: 'G', Ђ: 'D', Е: 'E', Ё: 'E', Є: 'IE', Ж: 'ZH',
  З: 'Z', Ѕ: 'DZ', И: 'I', І: 'I', Ї: 'I', Й: 'I', Ј: 'J', К: 'K', Л: 'L', Љ: 'LJ', М: 'M', Н: 'N',
  Њ: 'NJ', О: 'O', П: 'P', Р: 'R', С: 'S', Т: 'T', Ћ: 'C', Ќ: 'K', У: 'U', Ў: 'U', Ф: 'F', Х: 'KH',
  Ц: 'TS', Ч: 'CH', Џ: 'DZ', Ш: 'SH', Щ: 'SHCH', Ъ: 'IE', Ы: 'Y', Ь: '', Э: 'E', Ю: 'IU', Я: 'IA',
};

// ELOT 743 (Greek passports' MRZ), letter by letter; digraphs are handled below.
const GREEK: Record<string, string> = {
  Α: 'A', Β: 'V', Γ: 'G', Δ: 'D', Ε: 'E', Ζ: 'Z', Η: 'I', Θ: 'TH', Ι: 'I', Κ: 'K', Λ: 'L', Μ: 'M',
  Ν: 'N', Ξ: 'X', Ο: 'O', Π: 'P', Ρ: 'R', Σ: 'S', Τ: 'T', Υ: 'Y', Φ: 'F', Χ: 'CH', Ψ: 'PS', Ω: 'O',
};
/** After αυ, ευ, ηυ: F before these (and at the end of a word), V otherwise. */
const GREEK_VOICELESS = new Set(['Θ', 'Κ', 'Ξ', 'Π', 'Σ', 'Τ', 'Φ', 'Χ', 'Ψ']);
const GREEK_LETTER = /^[Α-Ω]$/u;

const APOSTROPHES = /['’‘ʼ`´]/gu;
const FILLER = /^[\s\-‐‑‒–—,]$/u;
const DIAERESIS = '\u0308';

/**
 * One name as ICAO 9303 writes it in a machine-readable zone: `A`–`Z` and the filler `<`.
 * Apostrophes are omitted (D'ARTAGNAN → DARTAGNAN; the DCC schema's example is
 * `d'Červenková Panklová` → `DCERVENKOVA<PANKLOVA`); spaces, hyphens and commas become `<`
 * (runs collapsed, none at either end); anything else is dropped; at most 80 characters.
 */
export function transliterateIcao(name: string): string {
  // Upper case first (ß → SS by itself, final ς → Σ), then one character with its marks at a time.
  const chars = [...name.normalize('NFC').replace(APOSTROPHES, '').toUpperCase()].map((char) => {
    const decomposed = char.normalize('NFD');
    return { char, base: decomposed.replace(/\p{M}/gu, ''), diaeresis: decomposed.includes(DIAERESIS) };
  });
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const { char, base } = chars[i]!;
    if (LATIN[char] !== undefined) out += LATIN[char];
    else if (CYRILLIC[base] !== undefined) out += CYRILLIC[base];
    else if (GREEK_LETTER.test(base)) {
      const [latin, consumed] = greek(chars, i);
      out += latin;
      i += consumed - 1;
    } else out += FILLER.test(base) ? '<' : base.replace(/[^A-Z]/g, '');
  }
  return out
    .replace(/<+/g, '<')
    .replace(/^<|<$/g, '')
    .slice(0, PERSON_NAME_MAX_LENGTH)
    .replace(/<$/, '');
}

type Char = { base: string; diaeresis: boolean };

/** A Greek letter at `i`, with the digraphs ELOT 743 writes as one sound; [latin, letters used]. */
function greek(chars: Char[], i: number): [string, number] {
  const here = chars[i]!.base;
  const next = chars[i + 1];
  const nextBase = next && GREEK_LETTER.test(next.base) ? next.base : undefined;
  const wordStart = i === 0 || !GREEK_LETTER.test(chars[i - 1]!.base);
  // A diaeresis on the second vowel splits the pair: ΑΫ is A + Y.
  const pairs = nextBase !== undefined && !next!.diaeresis;
  if (pairs && nextBase === 'Υ' && (here === 'Α' || here === 'Ε' || here === 'Η')) {
    const after = chars[i + 2];
    const voiceless = !after || !GREEK_LETTER.test(after.base) || GREEK_VOICELESS.has(after.base);
    return [`${GREEK[here]}${voiceless ? 'F' : 'V'}`, 2];
  }
  if (pairs && here === 'Ο' && nextBase === 'Υ') return ['OU', 2];
  if (pairs && here === 'Γ' && (nextBase === 'Γ' || nextBase === 'Ξ' || nextBase === 'Χ')) return [`N${GREEK[nextBase]}`, 2];
  if (pairs && here === 'Μ' && nextBase === 'Π') return [wordStart ? 'B' : 'MP', 2];
  if (pairs && here === 'Ν' && nextBase === 'Τ') return [wordStart ? 'D' : 'NT', 2];
  return [GREEK[here]!, 1];
}
