import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { CodeHistory, IssueCodeBody, IssuedCode } from '@prostopcovid/contracts/codes';
import { issueCode, listIssuedCodes, type CodesDeps } from './codes.service.js';

export function codesRoutes(deps: CodesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/codes',
      {
        schema: { tags: ['pro'], summary: 'Issue a 6-character declaration code', body: IssueCodeBody, response: { 201: IssuedCode } },
        config: { right: 'codes:issue' },
      },
      async (request, reply) => {
        reply.status(201);
        return issueCode(deps, contextOf(request), request.body);
      },
    );

    app.get(
      '/api/codes',
      { schema: { tags: ['pro'], summary: 'The codes this professional issued', response: { 200: CodeHistory } }, config: { right: 'codes:issue' } },
      async (request) => listIssuedCodes(deps, contextOf(request)),
    );
  };
}
