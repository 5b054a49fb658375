import { MimePart, parseFieldGroups, parseHeaderBlock, walkParts } from './mime';
import { bareMessageId, classifyStatus, ParsedBounce } from './parsed-bounce';

const addressOf = (field: string | undefined) => {
  const value = (field ?? '').replace(/^[^;]*;/, '').trim().replace(/^<|>$/g, '');
  return value.includes('@') ? value : undefined;
};

/**
 * RFC 3464 delivery status notifications (and RFC 5965 abuse reports, which arrive the same
 * way): one bounce per failed recipient, tied to the original Message-ID when the report
 * returned the original's headers.
 */
export function parseDsn(raw: Buffer): ParsedBounce[] {
  let status: MimePart | null = null;
  let feedback: MimePart | null = null;
  let originalId: string | undefined;
  walkParts(raw, (part) => {
    if (part.contentType === 'message/delivery-status' && !status) status = part;
    else if (part.contentType === 'message/feedback-report' && !feedback) feedback = part;
    else if ((part.contentType === 'text/rfc822-headers' || part.contentType === 'message/rfc822') && !originalId) {
      originalId = bareMessageId(parseHeaderBlock(part.body.toString('latin1').split(/\r?\n\r?\n/)[0]).get('message-id'));
    }
  });
  if (feedback) {
    const fields = parseFieldGroups((feedback as MimePart).body)[0] ?? new Map<string, string>();
    return [
      {
        email: addressOf(fields.get('original-rcpt-to')),
        messageId: originalId,
        type: 'complaint',
        reason: `feedback report: ${fields.get('feedback-type') ?? 'abuse'}`,
      },
    ];
  }
  if (!status) return [];
  const [, ...recipients] = parseFieldGroups((status as MimePart).body);
  return recipients
    .filter((fields) => (fields.get('action') ?? '').toLowerCase() === 'failed')
    .map((fields) => {
      const code = fields.get('status')?.trim();
      return {
        email: addressOf(fields.get('final-recipient') ?? fields.get('original-recipient')),
        messageId: originalId,
        type: classifyStatus(code),
        reason: [code, fields.get('diagnostic-code')?.replace(/^[^;]*;\s*/, '')].filter(Boolean).join(' '),
      };
    });
}
