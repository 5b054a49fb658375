/**
 * A delivery's Message-ID, written once (at fan-out) and kept for every resend, so a recipient's
 * copies of one bulletin share it: `<32 hex digits@domain>`, as SQL over a `domain` parameter.
 */
export const NEW_MESSAGE_ID = (domain: string) => `'<' || replace(gen_random_uuid()::text, '-', '') || '@' || ${domain} || '>'`;

/** The right-hand side of the site's Message-IDs: its From domain. */
export function messageIdDomain(fromEmail: string): string {
  const domain = fromEmail.slice(fromEmail.lastIndexOf('@') + 1).toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) ? domain : 'vestnik.invalid';
}
