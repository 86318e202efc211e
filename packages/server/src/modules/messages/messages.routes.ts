import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  Attachment,
  AttachmentParams,
  AttachmentQuery,
  AuthoringContext,
  CorrectionBody,
  FollowUp,
  FollowUpQuery,
  Inbox,
  InboxMessage,
  MESSAGE_ATTACHMENT_MAX_BYTES,
  MessageContent,
  MessageDetail,
  MessageList,
  MessageParams,
  MessagePreview,
  PublicMessage,
  PublicMessageList,
  Receipt,
  ReceiptBody,
  RemindersAnswer,
  WithdrawBody,
} from '@prostopcovid/contracts/messages';
import { contextOf } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { ifMatchTags, isNotModified, sendNotModified } from '../../platform/etag.js';
import * as service from './messages.service.js';

export type { MessagesDeps } from './messages.service.js';

/** RFC 6266 with RFC 5987's encoding (which also escapes ' ( ) *), and a plain ASCII fallback. */
function contentDisposition(filename: string): string {
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const ascii = filename.normalize('NFD').replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Query strings are text (no type coercion here): the pattern let only a number through. */
const versionOf = (text: string | undefined) => (text === undefined ? undefined : Number(text));

const CHANGE = 'With If-Match: "revision" (the ETag of the message as last read), refused with 412 MESSAGES_CHANGED when someone changed it since. Answers the new revision as ETag.';

/** The message's revision as its ETag, on every answer that gives a message. */
function tagged(reply: FastifyReply, detail: MessageDetail): MessageDetail {
  void reply.header('etag', service.messageEtag(detail.revision));
  return detail;
}

/** Urgent messages (docs/domain.md §5): authoring for operators, the inbox for professionals, a public page and feed for all. */
export function messagesRoutes(deps: service.MessagesDeps & { publicUrl: string }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const operator = { right: 'operator' as const };
    const admin = (summary: string, description?: string) => ({ tags: ['admin'], summary, ...(description ? { description } : {}) });

    app.get('/api/messages/authoring', { schema: { ...admin('The operator’s scope and the lists of the form'), response: { 200: AuthoringContext } }, config: operator }, async (request) =>
      service.authoringContext(deps, contextOf(request)),
    );
    app.get('/api/messages', { schema: { ...admin('Messages of the operator’s scope, newest first'), response: { 200: MessageList } }, config: operator }, async (request) =>
      service.listMessages(deps, contextOf(request)),
    );
    app.post('/api/messages', { schema: { ...admin('Creates a draft'), body: MessageContent, response: { 201: MessageDetail } }, config: operator }, async (request, reply) => {
      reply.status(201);
      return tagged(reply, await service.createDraft(deps, contextOf(request), request.body));
    });
    app.post('/api/messages/preview', { schema: { ...admin('Renders a content and counts whom it would reach'), body: MessageContent, response: { 200: MessagePreview } }, config: operator }, async (request) =>
      service.previewMessage(deps, contextOf(request), request.body),
    );
    app.get('/api/messages/:id', { schema: { ...admin('A message with all its versions', 'With its revision as ETag.'), params: MessageParams, response: { 200: MessageDetail } }, config: operator }, async (request, reply) =>
      tagged(reply, await service.getMessage(deps, contextOf(request), request.params.id)),
    );
    app.put('/api/messages/:id', { schema: { ...admin('Replaces the content of a draft', CHANGE), params: MessageParams, body: MessageContent, response: { 200: MessageDetail } }, config: operator }, async (request, reply) =>
      tagged(reply, await service.updateDraft(deps, contextOf(request), request.params.id, request.body, ifMatchTags(request))),
    );
    app.post('/api/messages/:id/publish', { schema: { ...admin('Numbers, publishes and queues the e-mails of a draft', CHANGE), params: MessageParams, response: { 200: MessageDetail } }, config: operator }, async (request, reply) =>
      tagged(reply, await service.publishMessage(deps, contextOf(request), request.params.id, ifMatchTags(request))),
    );
    app.post(
      '/api/messages/:id/corrections',
      { schema: { ...admin('Publishes a correction: a new version', CHANGE), params: MessageParams, body: CorrectionBody, response: { 200: MessageDetail } }, config: operator },
      async (request, reply) => tagged(reply, await service.correctMessage(deps, contextOf(request), request.params.id, request.body, ifMatchTags(request))),
    );
    app.get('/api/messages/:id/follow-up', { schema: { ...admin('Reached, e-mailed, delivered, read, acknowledged'), params: MessageParams, querystring: FollowUpQuery, response: { 200: FollowUp } }, config: operator }, async (request) =>
      service.followUp(deps, contextOf(request), request.params.id, versionOf(request.query.version)),
    );
    app.get(
      '/api/messages/:id/follow-up.csv',
      { schema: { ...admin('The follow-up as CSV'), params: MessageParams, querystring: FollowUpQuery, produces: ['text/csv'] }, config: operator },
      async (request, reply) => {
        const { filename, csv } = await service.followUpCsv(deps, contextOf(request), request.params.id, versionOf(request.query.version));
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`);
        return csv;
      },
    );
    app.post('/api/messages/:id/reminders', { schema: { ...admin('Queues a reminder to those who have not acknowledged'), params: MessageParams, response: { 200: RemindersAnswer } }, config: operator }, async (request) =>
      service.queueReminders(deps, contextOf(request), request.params.id),
    );

    // PDFs are sent as the request body itself (Content-Type: application/pdf), not as JSON.
    app.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: MESSAGE_ATTACHMENT_MAX_BYTES + 1024 }, (_request, body, done) => done(null, body));
    app.post(
      '/api/messages/:id/attachments',
      {
        schema: { ...admin('Uploads a PDF attachment (body: the PDF, Content-Type application/pdf)'), params: MessageParams, querystring: AttachmentQuery, response: { 201: Attachment } },
        config: operator,
        bodyLimit: MESSAGE_ATTACHMENT_MAX_BYTES + 1024,
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) throw new AppError('MESSAGES_ATTACHMENT_NOT_PDF');
        reply.status(201);
        return service.uploadAttachment(deps, contextOf(request), request.params.id, request.query.filename, request.body);
      },
    );
    app.get(
      '/api/messages/:id/attachments/:attachmentId',
      { schema: { tags: ['pro', 'public'], summary: 'Downloads an attachment (public once published)', params: AttachmentParams, produces: ['application/pdf'] }, config: { auth: 'public' } },
      async (request, reply) => {
        const attachment = await service.readAttachment(deps, contextOf(request), request.params.id, request.params.attachmentId);
        const etag = `"${attachment.sha256}"`;
        // A published attachment never changes (a correction adds another): kept by browsers and proxies.
        reply
          .header('content-type', 'application/pdf')
          .header('content-disposition', contentDisposition(attachment.filename))
          .header('etag', etag)
          .header('cache-control', attachment.isPublic ? 'public, max-age=600' : 'private, no-cache');
        if (isNotModified(request, etag)) return sendNotModified(reply);
        return attachment.content;
      },
    );

    // The professional's inbox: a small answer with an ETag, so polling costs a 304.
    app.get('/api/inbox', { schema: { tags: ['pro'], summary: 'Urgent messages for me', description: 'With an ETag: 304 Not Modified, without a body, when If-None-Match names it.', response: { 200: Inbox } } }, async (request, reply) => {
      const inbox = await service.readInbox(deps, contextOf(request));
      const etag = `"${createHash('sha256').update(JSON.stringify(inbox)).digest('base64url').slice(0, 27)}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (isNotModified(request, etag)) return sendNotModified(reply);
      return inbox;
    });
    app.get('/api/inbox/:id', { schema: { tags: ['pro'], summary: 'One urgent message for me', params: MessageParams, response: { 200: InboxMessage } } }, async (request) =>
      service.openInboxMessage(deps, contextOf(request), request.params.id),
    );
    app.post('/api/inbox/:id/read', { schema: { tags: ['pro'], summary: 'Marks a version read', params: MessageParams, body: ReceiptBody, response: { 200: Receipt } } }, async (request) =>
      service.recordReceipt(deps, contextOf(request), request.params.id, request.body.version, false),
    );
    app.post(
      '/api/inbox/:id/acknowledge',
      { schema: { tags: ['pro'], summary: '"J’ai pris connaissance" of an action message', params: MessageParams, body: ReceiptBody, response: { 200: Receipt } } },
      async (request) => service.recordReceipt(deps, contextOf(request), request.params.id, request.body.version, true),
    );

    // Public, as the ministry publishes every DGS-Urgent.
    const publicRoute = { auth: 'public' as const };
    app.get('/api/public/messages', { schema: { tags: ['public'], summary: 'Published urgent messages', response: { 200: PublicMessageList } }, config: publicRoute }, async () => ({
      messages: await service.listPublicMessages(deps),
    }));
    app.get('/api/public/messages/:id', { schema: { tags: ['public'], summary: 'One published urgent message', params: MessageParams, response: { 200: PublicMessage } }, config: publicRoute }, async (request) =>
      service.getPublicMessage(deps, request.params.id),
    );
    app.get('/dgs-urgent.atom', { schema: { tags: ['public'], summary: 'Atom feed of the published urgent messages', produces: ['application/atom+xml'] }, config: publicRoute }, async (_request, reply) => {
      reply.header('content-type', 'application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=300');
      const { atomFeed } = await import('./atom-feed.js');
      const { messages, lastChange } = await service.publicFeed(deps);
      return atomFeed(messages, deps.publicUrl, lastChange);
    });

    // Last in the document: a withdrawal ends what the routes above act on.
    app.post('/api/messages/:id/withdraw', { schema: { ...admin('Withdraws a message', CHANGE), params: MessageParams, body: WithdrawBody, response: { 200: MessageDetail } }, config: operator }, async (request, reply) =>
      tagged(reply, await service.withdrawMessage(deps, contextOf(request), request.params.id, request.body.reason, ifMatchTags(request))),
    );
  };
}
