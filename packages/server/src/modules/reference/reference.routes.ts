import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TestDevices, VaccineProducts } from '@prostopcovid/contracts/reference';
import { testDevices, vaccineProducts } from './reference.service.js';

/** Reference lists for the forms: small, static, cacheable (the offline portal keeps a copy). */
export const referenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/reference/test-devices',
    { schema: { tags: ['pro'], summary: 'EU list of rapid antigen tests (brand and reference)', response: { 200: TestDevices } } },
    async (_request, reply) => {
      reply.header('cache-control', 'private, max-age=86400');
      return { devices: [...testDevices] };
    },
  );
  app.get(
    '/api/reference/vaccines',
    { schema: { tags: ['pro'], summary: 'COVID-19 vaccine products with their manufacturer and prophylaxis', response: { 200: VaccineProducts } } },
    async (_request, reply) => {
      reply.header('cache-control', 'private, max-age=86400');
      return { products: [...vaccineProducts] };
    },
  );
};
