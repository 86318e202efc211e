/// <reference path="./oidc-provider.d.ts" />
import type { SandboxLogger } from './types.js';

type OidcProviderModule = typeof import('oidc-provider');

let loading: Promise<OidcProviderModule> | undefined;

/**
 * Imports oidc-provider once. On Node 20 the module prints "Unsupported runtime" on
 * import (v9 targets Node >= 22 but runs on 20.19+); that line is routed to the
 * logger instead of stderr so test output stays clean.
 */
export function loadOidcProvider(logger?: SandboxLogger): Promise<OidcProviderModule> {
  loading ??= (async () => {
    const originalWarn = console.warn;
    const suppressed: string[] = [];
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) suppressed.push(args[0]);
      else originalWarn.apply(console, args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = originalWarn;
      // Reported after restoring console.warn: the logger may well be console.warn itself.
      for (const message of suppressed) logger?.warn(message);
    }
  })();
  return loading;
}
