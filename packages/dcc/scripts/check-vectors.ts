/**
 * Runs a folder of EU DCC test vectors (the dcc-testdata format: PREFIX, TESTCTX.CERTIFICATE,
 * TESTCTX.VALIDATIONCLOCK, EXPECTEDRESULTS) through the verifier and prints, for each file, the
 * flags it does not meet. For the member states' vectors of eu-digital-green-certificates/
 * dgc-testdata (a clone, or any folder of its `<country>/2DCode/raw/*.json`):
 *
 *   npm run check:vectors -w @prostopcovid/dcc -- /path/to/dgc-testdata
 *
 * Exits 1 when a vector misses a flag. The picture flag (2DCODE) is checked by dcc-testdata.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { base64ToBytes, OFFICIAL_FLAG_STEPS, trustedSignerFromDer, verifyDcc, type StepName } from '../src/index.js';

const root = process.argv[2];
if (!root) {
  console.error('usage: check-vectors <folder of dcc-testdata JSON files>');
  process.exit(2);
}

function* jsonFiles(folder: string): Generator<string> {
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* jsonFiles(path);
    else if (name.endsWith('.json')) yield path;
  }
}

interface Vector {
  PREFIX: string;
  TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK?: string };
  EXPECTEDRESULTS: Record<string, boolean>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Whether a JSON file is a test vector with what this check needs: an HC1, a certificate and expected results. */
function isVector(json: unknown): json is Vector {
  return isObject(json) && typeof json.PREFIX === 'string' && isObject(json.TESTCTX) && typeof json.TESTCTX.CERTIFICATE === 'string' && json.TESTCTX.CERTIFICATE !== '' && isObject(json.EXPECTEDRESULTS);
}

let vectors = 0;
let failing = 0;
const countries = new Set<string>();
for (const file of jsonFiles(root)) {
  let vector: unknown;
  try {
    vector = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    continue;
  }
  if (!isVector(vector)) continue;
  vectors++;
  countries.add(relative(root, file).split(/[/\\]/)[0] ?? '');
  const misses: string[] = [];
  try {
    const signer = await trustedSignerFromDer(base64ToBytes(vector.TESTCTX.CERTIFICATE), { origin: 'imported' });
    const clock = vector.TESTCTX.VALIDATIONCLOCK ? new Date(vector.TESTCTX.VALIDATIONCLOCK) : new Date();
    const result = await verifyDcc(vector.PREFIX, { lists: { signers: [signer], rules: [], valueSets: {} }, validationClock: clock, applyRules: false });
    for (const [flag, expected] of Object.entries(vector.EXPECTEDRESULTS)) {
      const step = (OFFICIAL_FLAG_STEPS as Record<string, StepName>)[flag];
      if (!step) continue;
      const outcome = result.steps[step];
      if (expected && outcome !== 'passed') misses.push(`${flag}: ${outcome}${result.reason ? ` (${result.reason.message})` : ''}`);
      if (!expected && outcome === 'passed') misses.push(`${flag}: passed, expected to fail`);
    }
  } catch (error) {
    misses.push(`the vector's certificate could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (misses.length > 0) failing++;
  console.log(`${relative(root, file)}: ${misses.length === 0 ? 'ok' : misses.join(' ; ')}`);
}
console.log(`\n${vectors} vectors from ${countries.size} folders: ${vectors - failing} meet every flag, ${failing} do not.`);
process.exit(failing > 0 ? 1 : 0);
