import type { FastifyRequest } from 'fastify';
import type { Right } from '@prostopcovid/contracts/auth';

export interface SignedInProfessional {
  id: string;
  idNatPs: string;
  givenName: string;
  familyName: string;
  professions: string[];
  rights: Right[];
}

/** What a service needs to know about the request: who, from where, when. */
export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent: string | null;
  now: Date;
  professional: SignedInProfessional | null;
}

export function contextOf(request: FastifyRequest): RequestContext {
  return {
    requestId: request.id,
    ip: request.ip,
    userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
    now: request.server.clock.now(),
    professional: request.session?.professional ?? null,
  };
}
