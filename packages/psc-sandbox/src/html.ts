import type { SandboxProfessional } from './types.js';

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f5f5fe;color:#161616;margin:0;padding:2rem 1rem}
main{max-width:40rem;margin:0 auto;background:#fff;border:1px solid #ddd;border-radius:4px;padding:1.5rem 2rem}
h1{font-size:1.5rem;color:#000091;margin-top:0}
fieldset{border:1px solid #ccc;margin:0 0 1rem;padding:.75rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:block;margin:.35rem 0}
.hint{color:#555;font-size:.9rem}
.error{background:#ffe9e9;border-left:4px solid #ce0500;padding:.5rem 1rem;margin-bottom:1rem}
.sandbox{background:#fff4e5;border-left:4px solid #b34000;padding:.5rem 1rem;font-size:.9rem}
button{background:#000091;color:#fff;border:0;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}
select{font-size:1rem;padding:.2rem}
`;

export function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
${head}
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

const SANDBOX_NOTICE =
  '<p class="sandbox">Environnement de test : aucun vrai compte, aucune vraie carte CPS. Les professionnels ci-dessous sont fictifs.</p>';

export interface LoginPageInput {
  action: string;
  clientName: string;
  professionals: SandboxProfessional[];
  error?: string;
  selected?: { idNatPs?: string; means?: string; acr?: string };
}

export function loginPage(input: LoginPageInput): string {
  const { action, clientName, professionals, error, selected = {} } = input;
  const chosenId = selected.idNatPs ?? professionals[0]?.idNatPs;
  const means = selected.means === 'MOBILE' ? 'MOBILE' : 'CARTE_CPS';
  const acr = selected.acr === 'aucun' ? 'aucun' : 'eidas1';

  const proChoices = professionals
    .map((p, i) => {
      const id = `pro-${i}`;
      const checked = p.idNatPs === chosenId ? ' checked' : '';
      return `<label class="choice" for="${id}"><input type="radio" id="${id}" name="idNatPs" value="${escapeHtml(p.idNatPs)}"${checked} required> <strong>${escapeHtml(p.givenName)} ${escapeHtml(p.familyName)}</strong> — ${escapeHtml(p.label)} <span class="hint">(${escapeHtml(p.idNatPs)})</span></label>`;
    })
    .join('\n');

  const body = `
<h1>Pro Santé Connect — bac à sable</h1>
${SANDBOX_NOTICE}
<p>Connexion demandée par l'application <strong>${escapeHtml(clientName)}</strong>.</p>
${error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : ''}
<form method="post" action="${escapeHtml(action)}">
<fieldset>
<legend>Professionnel de santé</legend>
${proChoices}
</fieldset>
<fieldset>
<legend>Moyen d'authentification</legend>
<label class="choice" for="means-cps"><input type="radio" id="means-cps" name="means" value="CARTE_CPS"${means === 'CARTE_CPS' ? ' checked' : ''}> Carte CPS</label>
<label class="choice" for="means-mobile"><input type="radio" id="means-mobile" name="means" value="MOBILE"${means === 'MOBILE' ? ' checked' : ''}> e-CPS (application mobile)</label>
</fieldset>
<p>
<label for="acr">Niveau d'authentification (tests)</label>
<select id="acr" name="acr">
<option value="eidas1"${acr === 'eidas1' ? ' selected' : ''}>eidas1 (normal)</option>
<option value="aucun"${acr === 'aucun' ? ' selected' : ''}>aucun (simule une authentification sans eidas1)</option>
</select>
</p>
<button type="submit">Se connecter</button>
</form>`;
  return page('Pro Santé Connect — bac à sable', body);
}

export function errorPage(title: string, message: string, details?: string): string {
  const body = `
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
${details ? `<p class="hint">${escapeHtml(details)}</p>` : ''}`;
  return page(`${title} — Pro Santé Connect (bac à sable)`, body);
}

/**
 * Logout confirmation: submitted automatically (logout=yes ends the whole session) so that
 * browser-driven RP tests complete without a click; the button is the no-script fallback.
 */
export function logoutPage(form: string): string {
  const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  const head = `<script>document.addEventListener('DOMContentLoaded',function(){document.getElementById('op.logoutForm').submit()})</script>`;
  const body = `
<h1>Déconnexion de Pro Santé Connect</h1>
<p>Déconnexion en cours…</p>
${autoForm}
<button type="submit" form="op.logoutForm">Se déconnecter</button>`;
  return page('Déconnexion — Pro Santé Connect (bac à sable)', body, head);
}

export function logoutSuccessPage(): string {
  return page(
    'Déconnexion réussie — Pro Santé Connect (bac à sable)',
    '<h1>Vous êtes déconnecté</h1><p>Votre session Pro Santé Connect (bac à sable) est terminée.</p>',
  );
}
