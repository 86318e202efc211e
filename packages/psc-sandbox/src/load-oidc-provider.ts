
type OidcProviderModule = typeof import('oidc-provider');

let loading: Promise<OidcProviderModule> | undefined;

/** Imports oidc-provider once (v8: it supports the Node 20 LTS the project runs on). */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= import('oidc-provider');
  return loading;
}
