// Standalone development sandbox: `npm start -w @prostopcovid/psc-sandbox`.
import { professionals, startPscSandbox } from './index.js';

const port = Number(process.env.PSC_SANDBOX_PORT ?? 4001);
const clientId = process.env.PSC_CLIENT_ID ?? 'prostopcovid-dev';
const clientSecret = process.env.PSC_CLIENT_SECRET ?? 'dev-secret-change-me';
const redirectUri = process.env.PSC_REDIRECT_URI ?? 'http://localhost:3000/auth/callback';
const postLogoutRedirectUri = 'http://localhost:3000/';

const sandbox = await startPscSandbox({
  port,
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutRedirectUri],
    },
  ],
  logger: {
    info: (msg) => console.log(msg),
    warn: (msg) => console.warn(msg),
  },
});

console.log(`Pro Santé Connect — bac à sable démarré.
  Émetteur (issuer)   : ${sandbox.issuer}
  Découverte          : ${sandbox.issuer}/.well-known/openid-configuration
  Client              : ${clientId} (redirect_uri ${redirectUri}, post-logout ${postLogoutRedirectUri})
Comptes de test (fictifs) :`);
for (const p of professionals) {
  console.log(`  ${p.idNatPs.padEnd(13)} ${p.givenName} ${p.familyName} — ${p.label}`);
}

function shutdown(): void {
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
