import { describe, expect, it } from 'vitest';
import { PERSON_NAME_PATTERN, personNameProblem, transliterateIcao } from './names.js';

describe('the name policy', () => {
  it.each(['Dupont-Lefèvre', 'Zoé', "D'Artagnan", 'O’Connor', 'Van der Berg', 'Иванов', 'Παπαδόπουλος', 'Nguyễn Thị', 'Łukasz', 'Zoe\u0301', ' Marie '])('accepts %s', (name) => {
    expect(personNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'obligatoire'],
    ['   ', 'obligatoire'],
    ['x'.repeat(81), '80 caractères'],
    ['محمد', 'lettres latines'],
    ['כהן', 'lettres latines'],
    ['王', 'lettres latines'],
    ['Dupont 😀', 'émoticônes'],
    ['<b>Dupont</b>', 'symboles'],
    ['Dupont\u0000', 'symboles'],
    ['Du\u200dpont', 'symboles'],
    ['Louis XIV 2', 'chiffres'],
    ['Jean--', 'symboles'],
    ['-Jean', 'symboles'],
    ['ＤＵＰＯＮＴ', 'lettres latines'],
  ])('refuses %j (%s)', (name, message) => {
    expect(personNameProblem(name)).toContain(message);
  });

  it('is the same rule as a JSON Schema pattern (Unicode)', () => {
    const pattern = new RegExp(PERSON_NAME_PATTERN, 'u');
    expect(pattern.test('Иванов-Петров')).toBe(true);
    expect(pattern.test('Dupont 😀')).toBe(false);
  });

  it('gives every single letter it accepts a transliteration', () => {
    const pattern = new RegExp(PERSON_NAME_PATTERN, 'u');
    const empty: string[] = [];
    for (let cp = 0x41; cp < 0x30000; cp++) {
      const char = String.fromCodePoint(cp);
      if (/\p{L}/u.test(char) && pattern.test(char) && transliterateIcao(char) === '') empty.push(char);
    }
    // Only the Cyrillic soft sign, which ICAO omits.
    expect(empty).toEqual(['Ь', 'ь']);
  });
});

describe('transliterateIcao (ICAO 9303)', () => {
  it.each([
    ['Dupont-Lefèvre', 'DUPONT<LEFEVRE'],
    ['Jean Noël', 'JEAN<NOEL'],
    ["d'Červenková Panklová", 'DCERVENKOVA<PANKLOVA'], // the schema's own example
    ['D’Artagnan', 'DARTAGNAN'],
    ['François', 'FRANCOIS'],
    ['Lætitia', 'LAETITIA'],
    ['Œuvray', 'OEUVRAY'],
    ['Strauß', 'STRAUSS'],
    ['Müller', 'MUELLER'],
    ['Åsa Østergård', 'AASA<OESTERGAARD'],
    ['Łukasz', 'LUKASZ'],
    ['  Marie  --  Claire ', 'MARIE<CLAIRE'],
    ['Jean-Pierre, Paul', 'JEAN<PIERRE<PAUL'],
    // Cyrillic, Table B
    ['Иванов', 'IVANOV'],
    ['Алексей', 'ALEKSEI'],
    ['Щукина', 'SHCHUKINA'],
    ['Юлия', 'IULIIA'],
    ['Царёв', 'TSAREV'],
    ['Хрущёв', 'KHRUSHCHEV'],
    ['Объедков', 'OBIEEDKOV'],
    ['Гоголь', 'GOGOL'],
    ['Євгенія', 'IEVGENIIA'],
    ['Đoković', 'DOKOVIC'],
    ['Ђоковић', 'DOKOVIC'],
    ['Љубица', 'LJUBITSA'],
    // Greek, ELOT 743
    ['Παπαδόπουλος', 'PAPADOPOULOS'],
    ['Γεώργιος', 'GEORGIOS'],
    ['Ευάγγελος', 'EVANGELOS'],
    ['Αικατερίνη', 'AIKATERINI'],
    ['Χρήστος', 'CHRISTOS'],
    ['Θεόδωρος', 'THEODOROS'],
    ['Ψαρράς', 'PSARRAS'],
    ['Μπακογιάννη', 'BAKOGIANNI'],
    ['Ντόρα', 'DORA'],
    ['Λαμπράκης', 'LAMPRAKIS'],
    ['Ευθυμίου', 'EFTHYMIOU'],
    ['Ξανθή', 'XANTHI'],
    ['Μαΐστρος', 'MAISTROS'],
  ])('%s → %s', (name, expected) => {
    expect(transliterateIcao(name)).toBe(expected);
  });

  it('cuts to 80 characters without a trailing filler', () => {
    expect(transliterateIcao(`${'A'.repeat(79)} B`)).toBe('A'.repeat(79));
    expect(transliterateIcao('ß'.repeat(50))).toHaveLength(80);
  });
});
