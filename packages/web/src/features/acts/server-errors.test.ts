import { describe, expect, it } from 'vitest';
import { ApiError } from '../../data/api';
import { describeRefusedField, refusedFields } from './server-errors';

describe('the fields the server refused, in French', () => {
  it('names each field by its JSON pointer and says what it accepts', () => {
    expect(describeRefusedField('/patient/email')).toEqual({ label: 'E-mail', message: "format d'adresse e-mail invalide" });
    expect(describeRefusedField('/lotNumber')).toEqual({ label: 'Numéro de lot', message: '2 à 30 caractères : lettres, chiffres, points, barres obliques ou tirets' });
    expect(describeRefusedField('/place')).toEqual({ label: 'Lieu', message: '1 à 80 caractères, sans caractère invisible' });
    expect(describeRefusedField('/doseNumber').message).toBe('nombre entier de 1 à 9 attendu');
  });

  it('reads a bare name as a missing field, and the empty path as the request itself', () => {
    expect(describeRefusedField('place')).toEqual({ label: 'Lieu', message: 'champ obligatoire' });
    expect(describeRefusedField('sampledAt')).toEqual({ label: 'Date et heure du prélèvement', message: 'champ obligatoire' });
    expect(describeRefusedField('')).toEqual({ label: 'Requête', message: 'contenu inattendu' });
    expect(describeRefusedField('/patient/nickname')).toEqual({ label: '/patient/nickname', message: 'valeur refusée' });
  });

  it('never shows the validator’s English, and only reads the details of an API error', () => {
    const error = new ApiError(400, 'REQUEST_INVALID', 'La requête est invalide.', [
      { path: '/patient/phone', message: 'must match pattern "^\\+?[0-9 .-]{6,20}$"' },
      null,
      'must NOT have additional properties',
      { message: 'must be object' },
    ]);
    const fields = refusedFields(error);
    expect(fields).toEqual([
      { label: 'Téléphone', message: '6 à 20 chiffres, espaces, points ou tirets, + en tête possible' },
      { label: 'Requête', message: 'contenu inattendu' },
    ]);
    expect(JSON.stringify(fields)).not.toMatch(/must/);
    expect(refusedFields(new Error('Le serveur est injoignable.'))).toEqual([]);
    expect(refusedFields(new ApiError(409, 'ACTS_RETRIEVAL_CODE_TAKEN', 'Code pris.'))).toEqual([]);
  });
});
