import { Marked, type Token, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { AppError } from '../../platform/errors.js';

const marked = new Marked({ gfm: true, breaks: false, async: false });
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
/** More than 8 levels of quote or list markers, or an indentation past 8 levels, at a line's start. */
const TOO_DEEP = /^(?:[ \t]*(?:>|[*+-][ \t]|\d{1,9}[.)][ \t])){9,}|^[ \t]{33,}\S/m;

/**
 * The message body: Markdown written by an operator, read in every professional's portal and
 * e-mail. Raw HTML, images and links other than http(s) and mailto are refused with a clear
 * error rather than silently dropped (the author must know what readers will see); the
 * rendered HTML is then sanitised to a short list of tags all the same, as a second lock.
 */
export function renderMessageBody(markdown: string): string {
  // Quotes and lists nested this deep are no message: refused before the parser recurses into them.
  if (TOO_DEEP.test(markdown)) throw new AppError('MESSAGES_BODY_TOO_DEEP');
  let tokens: ReturnType<typeof marked.lexer>;
  try {
    tokens = marked.lexer(markdown);
  } catch (error) {
    // Nesting the first check did not see (emphasis markers by the thousand) exhausts the stack.
    if (error instanceof RangeError) throw new AppError('MESSAGES_BODY_TOO_DEEP');
    throw error;
  }
  void marked.walkTokens(tokens, (token: Token) => {
    if (token.type === 'html') throw new AppError('MESSAGES_BODY_HTML');
    if (token.type === 'image') throw new AppError('MESSAGES_BODY_IMAGE');
    // Autolinks of bare addresses get mailto: from marked; anything else must say its scheme.
    if (token.type === 'link' && !SAFE_LINK.test((token as Tokens.Link).href)) throw new AppError('MESSAGES_BODY_LINK');
  });
  return sanitizeMessageHtml(marked.parser(tokens));
}

export function sanitizeMessageHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ['p', 'br', 'strong', 'em', 'del', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'code', 'pre', 'hr', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
    allowedAttributes: { a: ['href', 'title', 'rel'], ol: ['start'], th: ['align'], td: ['align'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    // Links leave the portal: no referrer, no access to the opener.
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }) },
  });
}
