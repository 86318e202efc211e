export * from './rule-cases.js';
export * from './test-issuer.js';
