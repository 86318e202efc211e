import type { MessageContent } from '@prostopcovid/contracts/messages';

/** What an operator would write: an action message to the pharmacists of Nouvelle-Aquitaine, unless told otherwise. */
export function content(overrides: Partial<MessageContent> = {}): MessageContent {
  return {
    title: 'Conduite à tenir en cas d’indisponibilité de Pro Santé Connect',
    body: 'Mesdames, Messieurs,\n\n1. Procédez aux actes ;\n2. remettez une **attestation** valable 12 heures.',
    kind: 'action',
    priority: 'high',
    professions: ['21'],
    zone: { national: false, regions: ['75'], departments: [] },
    expiresAt: null,
    attachmentIds: [],
    ...overrides,
  };
}
