import { writeFileSync } from 'node:fs';
import { GENERATED_PATH, generateSchemaValidators } from './schema-validators.js';

writeFileSync(GENERATED_PATH, generateSchemaValidators());
console.log(`écrit : ${GENERATED_PATH}`);
