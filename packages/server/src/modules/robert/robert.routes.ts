import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthenticatedBody, CaptchaChallenge, Clock, Done, KpisQuery, MAX_REPORT_BODY_BYTES, RegisterBody, Registered, ReportBody, Reported, RobertConfig, RobertKpis, Status } from '@prostopcovid/contracts/robert';
import { contextOf } from '../../platform/context.js';
import { isValidIsoDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { createCaptcha, deleteExposureHistory, getClock, getConfig, getKpis, getStatus, register, report, unregister, type RobertDeps } from './robert.service.js';


/** ROBERT, the StopCovid app's exposure-notification protocol: public, versioned, robert-server's field names. */
export function robertRoutes(deps: RobertDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const common = { config: { auth: 'public' as const } };
    app.get('/api/robert/v1/config', { ...common, schema: { tags: ['robert'], summary: "Server's public ECDH key, timeStart and settings", response: { 200: RobertConfig } } }, async () =>
      getConfig(deps),
    );
    app.get('/api/robert/v1/clock', { ...common, schema: { tags: ['robert'], summary: 'Server time and current epoch', response: { 200: Clock } } }, async (request) =>
      getClock(deps, contextOf(request)),
    );
    app.post('/api/robert/v1/captcha', { ...common, schema: { tags: ['robert'], summary: 'A proof-of-work challenge for register', response: { 201: CaptchaChallenge } } }, async (request, reply) => {
      reply.status(201);
      return createCaptcha(deps, contextOf(request));
    });
    app.post(
      '/api/robert/v1/register',
      { ...common, schema: { tags: ['robert'], summary: 'Register a phone: ECDH, then 4 days of encrypted (EBID, ECC) tuples', body: RegisterBody, response: { 201: Registered } } },
      async (request, reply) => {
        reply.status(201);
        return register(deps, contextOf(request), request.body);
      },
    );
    app.post(
      '/api/robert/v1/status',
      { ...common, schema: { tags: ['robert'], summary: 'Exposure status (at most once per 2 epochs)', body: AuthenticatedBody, response: { 200: Status } } },
      async (request) => getStatus(deps, contextOf(request), request.body),
    );
    app.post(
      '/api/robert/v1/report',
      {
        ...common,
        bodyLimit: MAX_REPORT_BODY_BYTES,
        schema: { tags: ['robert'], summary: 'A declared patient sends the HELLOs heard during the contact window', body: ReportBody, response: { 200: Reported } },
      },
      async (request) => report(deps, contextOf(request), request.body),
    );
    app.post(
      '/api/robert/v1/unregister',
      { ...common, schema: { tags: ['robert'], summary: 'Delete the registration and its exposures', body: AuthenticatedBody, response: { 200: Done } } },
      async (request) => unregister(deps, contextOf(request), request.body),
    );
    app.post(
      '/api/robert/v1/deleteExposureHistory',
      { ...common, schema: { tags: ['robert'], summary: 'Delete the exposures recorded for this registration', body: AuthenticatedBody, response: { 200: Done } } },
      async (request) => deleteExposureHistory(deps, contextOf(request), request.body),
    );
    app.get(
      '/api/robert/kpis',
      { schema: { tags: ['admin'], summary: 'ROBERT key figures (operators)', querystring: KpisQuery, response: { 200: RobertKpis } }, config: { right: 'operator' } },
      async (request) => {
        const { from, to } = request.query;
        if ((from && !isValidIsoDate(from)) || (to && !isValidIsoDate(to)) || (from && to && from > to)) throw new AppError('REQUEST_INVALID');
        return getKpis(deps, from, to);
      },
    );
  };
}
