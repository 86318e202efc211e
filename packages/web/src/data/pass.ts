import { bytesToBase64, decodeHc1, verifyDcc, type Verification } from '@prostopcovid/dcc';
import { formatDateTime } from './certificates';
import { currentVerifierLists, listsAgeHours, type ReadyLists } from './verifier-lists';

export interface PassCheck {
  verification: Verification;
  country: string;
  validationClock: Date;
  lists: ReadyLists;
}

/**
 * Verifies a pass in this browser, online or not: the same code as the server's verifier
 * (@prostopcovid/dcc), with the signers, rules and value sets kept from the server. Lists older
 * than the server's limit never give "valid": the verdict becomes "unverifiable", saying why.
 */
export async function checkPass(hc1: string, options: { country?: string; validationClock?: Date } = {}): Promise<PassCheck> {
  const state = await currentVerifierLists();
  if (state.status !== 'ready') {
    throw new Error(
      "Ce navigateur n'a pas encore les listes de vérification (signataires, règles) et le serveur est injoignable : ouvrez cette page une fois avec une connexion pour pouvoir vérifier hors ligne.",
    );
  }
  const { lists } = state;
  const { bundle } = lists.stored;
  const country = options.country ?? bundle.country;
  const validationClock = options.validationClock ?? new Date();
  // Only the signers this certificate names are parsed; a text that does not decode needs none.
  const decoded = await decodeHc1(hc1.trim()).catch(() => undefined);
  const signers = decoded ? await lists.signersFor(bytesToBase64(decoded.cose.kid), decoded.claims.issuer) : [];
  let verification = await verifyDcc(hc1.trim(), {
    lists: { signers, rules: bundle.rules, valueSets: lists.valueSets },
    validationClock,
    country,
  });
  if (verification.status === 'valid' && listsAgeHours(lists) > bundle.maxAgeHours) {
    verification = {
      ...verification,
      status: 'unverifiable',
      valid: false,
      reason: {
        step: 'rules',
        message: `Les listes de vérification de cet appareil datent du ${formatDateTime(lists.stored.confirmedAt)}, plus de ${bundle.maxAgeHours} heures : connectez l'appareil à Internet pour les mettre à jour, puis vérifiez à nouveau.`,
      },
    };
  }
  return { verification, country, validationClock, lists };
}
