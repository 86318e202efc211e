import { verifyDcc, type Verification } from '@prostopcovid/dcc';
import { formatDateTime } from './certificates';
import { clockBehindLists, currentVerifierLists, listsAgeHours, listsDate, type ReadyLists } from './verifier-lists';

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
  let verification = await verifyDcc(hc1.trim(), {
    // Only the signers this certificate names are parsed (signersFor).
    lists: { signers: lists.signersFor, rules: bundle.rules, valueSets: lists.valueSets },
    validationClock,
    country,
  });
  const staleness = clockBehindLists(lists)
    ? `L'horloge de cet appareil indique une date antérieure à la dernière mise à jour de ses listes de vérification (${formatDateTime(lists.stored.confirmedAt)}) : réglez la date et l'heure, puis vérifiez à nouveau.`
    : listsAgeHours(lists) > bundle.maxAgeHours
      ? `Les listes de vérification de cet appareil datent du ${formatDateTime(listsDate(lists))}, plus de ${bundle.maxAgeHours} heures : connectez l'appareil à Internet pour les mettre à jour, puis vérifiez à nouveau.`
      : undefined;
  if (verification.status === 'valid' && staleness) {
    verification = { ...verification, status: 'unverifiable', valid: false, reason: { step: 'rules', message: staleness } };
  }
  return { verification, country, validationClock, lists };
}
