/**
 * `npx tsx packages/server/bench/guessing.ts`: the odds of guessing a live 6-character code
 * under the redemption limits, as quoted in the README (arithmetic, not a load test).
 */
import { CODE_ALPHABET, SHORT_CODE_LENGTH } from '../src/modules/codes/code-format.js';
import { loadConfig } from '../src/config.js';

const space = CODE_ALPHABET.length ** SHORT_CODE_LENGTH;
const { redeemLimitPerAddress, redeemWindowMinutes } = loadConfig({}).codes;
const guessesPerDay = redeemLimitPerAddress * ((24 * 60) / redeemWindowMinutes);
const codeTtlHours = loadConfig({}).codes.ttlMinutes / 60;

const scenarios = [
  // November 2020: about 1,600 app declarations a day (press reports of official figures).
  { name: 'realistic peak (1,600 codes a day)', liveCodes: (1600 / 24) * codeTtlHours },
  { name: 'pessimistic peak (50,000 codes in one hour)', liveCodes: 50_000 * codeTtlHours },
];

console.log(`code space: ${CODE_ALPHABET.length}^${SHORT_CODE_LENGTH} = ${space.toLocaleString('en')}`);
console.log(`one address at the limit: ${redeemLimitPerAddress} guesses per ${redeemWindowMinutes} min = ${guessesPerDay} a day\n`);
for (const { name, liveCodes } of scenarios) {
  const perGuess = liveCodes / space;
  const perAddressDay = 1 - (1 - perGuess) ** guessesPerDay;
  console.log(`${name}: ${Math.round(liveCodes)} live codes`);
  console.log(`  one guess hits: ${perGuess.toExponential(2)}`);
  console.log(`  one address, one day at the limit: ${perAddressDay.toExponential(2)} (${(perAddressDay * 100).toFixed(3)} %)`);
  console.log(`  10,000 addresses, one day: ${(perAddressDay * 10_000).toFixed(1)} expected hits\n`);
}
