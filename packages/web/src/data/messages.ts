import {
  Attachment,
  AuthoringContext,
  FollowUp,
  MessageDetail,
  MessageList,
  MessagePreview,
  PublicMessage,
  PublicMessageList,
  RemindersAnswer,
  type CorrectionBody,
  type FollowUpRow,
  type MessageContent,
  type MessageSummary,
  type MessageVersion,
} from '@prostopcovid/contracts/messages';
import { UUID_PATTERN } from '@prostopcovid/contracts/common';
import { ApiError, apiRequest } from './api';

export type { Attachment, AuthoringContext, FollowUp, FollowUpRow, MessageContent, MessageDetail, MessagePreview, MessageSummary, MessageVersion, PublicMessage };

/**
 * Urgent messages (docs/domain.md §5), the operators' side (DGS, ARS: writing, publishing,
 * following up) and the public page. Operators work online: nothing here is kept on the device.
 */
const messagePath = (id: string) => `/api/messages/${encodeURIComponent(id)}`;

/** A message's id as the server gives it (a UUID): anything else is a link cut or mistyped. */
const MESSAGE_ID = new RegExp(UUID_PATTERN);
export const isMessageId = (id: string) => MESSAGE_ID.test(id);
export const BROKEN_MESSAGE_LINK = 'Ce lien de message est incomplet ou erroné (une messagerie a pu le couper) : ouvrez le message depuis la liste.';

export function loadAuthoringContext(): Promise<AuthoringContext> {
  return apiRequest(AuthoringContext, 'GET', '/api/messages/authoring');
}

export async function listMessages(): Promise<MessageSummary[]> {
  return (await apiRequest(MessageList, 'GET', '/api/messages')).messages;
}

export function loadMessage(id: string): Promise<MessageDetail> {
  return apiRequest(MessageDetail, 'GET', messagePath(id));
}

export function createDraft(content: MessageContent): Promise<MessageDetail> {
  return apiRequest(MessageDetail, 'POST', '/api/messages', content);
}

/** The message's revision as read: a change someone else made since is refused (412), not overwritten. */
type Read = Pick<MessageDetail, 'id' | 'revision'>;
const ifMatch = (message: Read) => ({ 'if-match': `"${message.revision}"` });

export function updateDraft(message: Read, content: MessageContent): Promise<MessageDetail> {
  return apiRequest(MessageDetail, 'PUT', messagePath(message.id), content, ifMatch(message));
}

export function previewMessage(content: MessageContent): Promise<MessagePreview> {
  return apiRequest(MessagePreview, 'POST', '/api/messages/preview', content);
}

export function publishMessage(message: Read): Promise<MessageDetail> {
  return apiRequest(MessageDetail, 'POST', `${messagePath(message.id)}/publish`, undefined, ifMatch(message));
}

export function correctMessage(message: Read, correction: CorrectionBody): Promise<MessageDetail> {
  return apiRequest(MessageDetail, 'POST', `${messagePath(message.id)}/corrections`, correction, ifMatch(message));
}

export function withdrawMessage(message: Read, reason: string): Promise<MessageDetail> {
  return apiRequest(MessageDetail, 'POST', `${messagePath(message.id)}/withdraw`, { reason }, ifMatch(message));
}

/** Uploads a PDF to a message (sent as the request body itself); its id then goes into the content's attachmentIds. */
export function uploadAttachment(id: string, file: Blob, filename: string): Promise<Attachment> {
  return apiRequest(Attachment, 'POST', `${messagePath(id)}/attachments?filename=${encodeURIComponent(filename)}`, file, { 'content-type': 'application/pdf' });
}

const versionQuery = (version?: number) => (version === undefined ? '' : `?version=${version}`);

export function loadFollowUp(id: string, version?: number): Promise<FollowUp> {
  return apiRequest(FollowUp, 'GET', `${messagePath(id)}/follow-up${versionQuery(version)}`);
}

/** The follow-up as CSV: a plain link (the session cookie goes with it). */
export function followUpCsvUrl(id: string, version?: number): string {
  return `${messagePath(id)}/follow-up.csv${versionQuery(version)}`;
}

/** Reminder e-mails to those who have not acknowledged an action message (0 when already queued). */
export async function queueReminders(id: string): Promise<number> {
  return (await apiRequest(RemindersAnswer, 'POST', `${messagePath(id)}/reminders`)).queued;
}

/* The public page (no session), as the ministry publishes every DGS-Urgent. */

export async function listPublicMessages(): Promise<PublicMessage[]> {
  return (await apiRequest(PublicMessageList, 'GET', '/api/public/messages')).messages;
}

/** A withdrawn message's public trace: its reference, when and why (the server's 410). */
export interface WithdrawnMessage {
  withdrawn: true;
  reference: string | null;
  withdrawnAt: string | null;
  reason: string | null;
}

export async function loadPublicMessage(id: string): Promise<PublicMessage | WithdrawnMessage> {
  if (!isMessageId(id)) throw new ApiError(400, 'LINK_BROKEN', BROKEN_MESSAGE_LINK);
  try {
    return await apiRequest(PublicMessage, 'GET', `/api/public/messages/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'MESSAGES_WITHDRAWN_PUBLIC') {
      const trace = (e.details ?? {}) as Partial<Omit<WithdrawnMessage, 'withdrawn'>>;
      return { withdrawn: true, reference: trace.reference ?? null, withdrawnAt: trace.withdrawnAt ?? null, reason: trace.reason ?? null };
    }
    throw e;
  }
}

export const ATOM_FEED_PATH = '/dgs-urgent.atom';
