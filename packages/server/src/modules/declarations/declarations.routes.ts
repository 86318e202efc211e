import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { Declared, DeclareBody, DeviceHeaders, MAX_CONTACTS, UploadContactsBody, Uploaded, UploadHeaders } from '@prostopcovid/contracts/declarations';
import { declareWithCode, uploadContacts, type DeclarationsDeps } from './declarations.service.js';

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

    app.post(
      '/api/app/v1/declarations/contacts',
      {
        // 14 days of contacts: about 150 bytes each in JSON.
        bodyLimit: MAX_CONTACTS * 200,
        schema: {
          tags: ['app'],
          summary: 'Upload the contact history of the declaration window (once per upload token)',
          headers: UploadHeaders,
          body: UploadContactsBody,
          response: { 202: Uploaded },
        },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        reply.status(202);
        return uploadContacts(deps, contextOf(request), request.headers.authorization, request.body);
      },
    );
  };
}
