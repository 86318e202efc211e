import { Type } from 'typebox';

/**
 * Free text a person typed: not blank, no control characters (PostgreSQL refuses NUL, and
 * no document should carry the others). 80 characters at most by default: the EU DCC caps
 * names and places there.
 */
export const PlainText = (maxLength = 80) => Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$' });

/** A database id: the plain canonical form only (ajv's `uuid` format also takes `urn:uuid:`). */
export const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
