/**
 * The professional's and the patient's side of a declaration, over HTTP as the pro portal and
 * the app send them: a doctor signed in through the PSC sandbox (the real OIDC flow) issues a
 * code (POST /api/codes), the patient's app redeems it with the onset date
 * (POST /api/app/v1/declarations) and gets the report token and the contact window.
 */
import { Declared } from '@prostopcovid/contracts/declarations';
import { IssuedCode } from '@prostopcovid/contracts/codes';
import { isAnswer } from '@prostopcovid/contracts/check';
import type { SandboxProfessional } from '@prostopcovid/psc-sandbox';
import { signIn } from '../shared.js';

/** General practitioners (profession 10) in an RPPS-like range nobody real uses. */
export function simulatedDoctors(count: number): SandboxProfessional[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(7, '0');
    return {
      idNatPs: `89983${n}`,
      givenName: 'Simulation',
      familyName: `SIM-MEDECIN-${i + 1}`,
      label: 'Médecin généraliste (simulation)',
      exercices: [
        {
          codeProfession: '10',
          codeCategorieProfessionnelle: 'C',
          activities: [{ raisonSocialeSite: 'Cabinet médical de simulation', identifiantTechniqueDeLaStructure: `R9983${n}` }],
        },
      ],
    };
  });
}

async function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, json: await response.json().catch(() => undefined) };
}

/** The doctor signs in (a new session each time: days pass between two patients) and issues a code. */
export async function issueCode(baseUrl: string, doctor: SandboxProfessional): Promise<string> {
  const session = await signIn(baseUrl, doctor.idNatPs);
  const answer = await postJson(`${baseUrl}/api/codes`, { cookie: session.cookie, 'x-csrf-token': session.csrfToken }, { caseKind: 'probable' });
  if (answer.status !== 201 || !isAnswer(IssuedCode, answer.json)) throw new Error(`POST /api/codes answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  return answer.json.code;
}

/** The app redeems the code: symptoms since `onsetDate` (YYYY-MM-DD, Europe/Paris). */
export async function declare(baseUrl: string, code: string, onsetDate: string, deviceId: string): Promise<Declared> {
  const answer = await postJson(`${baseUrl}/api/app/v1/declarations`, { 'x-device-id': deviceId }, { code, onset: { kind: 'symptoms', date: onsetDate } });
  if (answer.status !== 201 || !isAnswer(Declared, answer.json)) throw new Error(`POST /api/app/v1/declarations answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  return answer.json;
}
