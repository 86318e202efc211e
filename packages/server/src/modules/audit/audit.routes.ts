import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditPage, AuditQuery } from '@prostopcovid/contracts/audit';
import { contextOf } from '../../platform/context.js';
import { exportAuditLog, searchAuditLog, type AuditDeps } from './audit.service.js';

export function auditRoutes(deps: AuditDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const operator = { right: 'operator' as const };
    app.get('/api/audit', { schema: { tags: ['admin'], summary: 'Searches the audit log (a regional operator: professionals of their region)', querystring: AuditQuery, response: { 200: AuditPage } }, config: operator }, async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return searchAuditLog(deps, contextOf(request), request.query);
    });
    app.get('/api/audit.csv', { schema: { tags: ['admin'], summary: 'The matching audit entries as CSV', querystring: AuditQuery, produces: ['text/csv'] }, config: operator }, async (request, reply) => {
      const { csv, lines, truncated } = await exportAuditLog(deps, contextOf(request), request.query);
      return reply
        .header('cache-control', 'private, no-store')
        .header('content-disposition', 'attachment; filename="journal-audit.csv"')
        .header('x-audit-lines', String(lines))
        .header('x-audit-truncated', String(truncated))
        .type('text/csv; charset=utf-8')
        .send(csv);
    });
  };
}
