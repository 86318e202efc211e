import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { Declared, DeclareBody, DeviceHeaders } from '@prostopcovid/contracts/declarations';
import { declareWithCode, type DeclarationsDeps } from './declarations.service.js';

/** The StopCovid app's public API, versioned: no session, the code is the credential. */
export function declarationsRoutes(deps: DeclarationsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/app/v1/declarations',
      {
        schema: {
          tags: ['app'],
          summary: 'Redeem a declaration code with the symptom onset answer',
          headers: DeviceHeaders,
          body: DeclareBody,
          response: { 201: Declared },
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        reply.status(201);
        return declareWithCode(deps, contextOf(request), request.headers['x-device-id'], request.body);
      },
    );
  };
}
