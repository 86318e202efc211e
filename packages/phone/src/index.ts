export * from './bytes.js';
export * from './client.js';
export * from './crypto.js';
export * from './phone.js';
export * from './time.js';
