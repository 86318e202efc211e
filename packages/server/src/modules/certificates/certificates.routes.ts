import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { RetrieveBody, RetrievedCertificate } from '@prostopcovid/contracts/certificates';
import { renderCertificateDocument } from './certificate-document.js';
import { retrieveCertificate, type CertificatesDeps } from './certificates.service.js';

export function certificatesRoutes(deps: CertificatesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/patient/v1/certificates',
      {
        schema: { tags: ['patient'], summary: 'Retrieve the certificate of an act with its retrieval code and the date of birth', body: RetrieveBody, response: { 200: RetrievedCertificate } },
        config: { auth: 'public' },
      },
      async (request) => retrieveCertificate(deps, contextOf(request), request.body),
    );
    app.post(
      '/api/patient/v1/certificates/pdf',
      {
        schema: { tags: ['patient'], summary: 'The same certificate as a PDF to print', body: RetrieveBody },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        const certificate = await retrieveCertificate(deps, contextOf(request), request.body);
        const pdf = await renderCertificateDocument(certificate);
        return reply.type('application/pdf').header('content-disposition', 'attachment; filename="certificat-covid.pdf"').send(Buffer.from(pdf));
      },
    );
  };
}
