export * from './backoff.js';
export * from './outbox.js';
export * from './transport.js';
export * from './attestation.js';
