/**
 * A delivery's Message-ID, written once (at fan-out) and kept for every resend, so a recipient's
 * copies of one bulletin share it: `<32 hex digits@domain>`, as SQL over a `domain` parameter
 * (messageIdDomain in src/mail/message-headers.service.ts).
 */
export const NEW_MESSAGE_ID = (domain: string) => `'<' || replace(gen_random_uuid()::text, '-', '') || '@' || ${domain} || '>'`;
