import { PERSON_NAME_MAX_LENGTH, PERSON_NAME_PATTERN } from '@prostopcovid/dcc/names';
import { Type } from 'typebox';

/**
 * What nobody types: control characters, lone surrogate halves (broken UTF-16), U+FFFD, which
 * is what invalid UTF-8 bytes decode to (Ajv matches patterns in Unicode mode), and the
 * noncharacters U+FFFE and U+FFFF, which XML (the Atom feed) forbids.
 */
export const UNTYPED_CHARACTERS = '\\u0000-\\u001f\\u007f\\uD800-\\uDFFF\\uFFFD-\\uFFFF';
const TYPED = `[^${UNTYPED_CHARACTERS}]`;
/** Characters that show nothing (zero-width spaces and joiners, word joiner, BOM): no text is made of them alone. */
const INVISIBLE = '\\u200b-\\u200d\\u2060\\ufeff';

/**
 * Free text a person typed: not blank, no control characters (PostgreSQL refuses NUL, and
 * no document should carry the others). 80 characters at most by default: the EU DCC caps
 * names and places there.
 */
export const PLAIN_TEXT_MAX_LENGTH = 80;
export const PlainText = (maxLength = PLAIN_TEXT_MAX_LENGTH) =>
  Type.String({ minLength: 1, maxLength, pattern: `^${TYPED}*[^\\s${INVISIBLE}${UNTYPED_CHARACTERS}]${TYPED}*$` });

/**
 * A person's family or given name under the one name policy (`@prostopcovid/dcc` names.ts):
 * Latin, Greek or Cyrillic letters in words joined by spaces, hyphens or apostrophes.
 */
export const PersonName = () =>
  Type.String({
    minLength: 1,
    maxLength: PERSON_NAME_MAX_LENGTH,
    pattern: PERSON_NAME_PATTERN,
    description: "Latin, Greek or Cyrillic letters; words joined by spaces, hyphens or apostrophes; no digits, symbols, emoji or markup (another script: the Latin spelling of the identity document)",
  });

/** A database id: the plain canonical form only (ajv's `uuid` format also takes `urn:uuid:`). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = Type.String({ pattern: UUID_PATTERN });

/** An INSEE department code: '33', '2A', '2B', '971'…'976', or an overseas collectivity ('975', '977', '978'…). */
export const DepartmentCode = (description?: string) => Type.String({ pattern: '^([0-9]{2}|2[AB]|9[78][0-9])$', ...(description ? { description } : {}) });
