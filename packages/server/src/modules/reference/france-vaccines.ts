/**
 * The COVID-19 vaccines of the French campaign, by their EU authorisation number (the value
 * set's key), in the order the vaccination form lists them first; every other product of the
 * EU list follows, by name. Comirnaty (Pfizer-BioNTech), Spikevax (Moderna), Vaxzevria
 * (AstraZeneca), COVID-19 Vaccine Janssen (named Jcovden in the EU list since 2022), Nuvaxovid
 * (Novavax), VidPrevtyn Beta (Sanofi, boosters from 2022).
 */
export const VACCINES_USED_IN_FRANCE: readonly string[] = ['EU/1/20/1528', 'EU/1/20/1507', 'EU/1/21/1529', 'EU/1/20/1525', 'EU/1/21/1618', 'EU/1/21/1580'];

/** The French campaign's vaccines first, in its order, then the others by name (French collation). */
export function orderForFrance<T extends { id: string; name: string }>(products: readonly T[]): T[] {
  const rank = (id: string) => {
    const index = VACCINES_USED_IN_FRANCE.indexOf(id);
    return index === -1 ? VACCINES_USED_IN_FRANCE.length : index;
  };
  return [...products].sort((a, b) => rank(a.id) - rank(b.id) || a.name.localeCompare(b.name, 'fr'));
}
