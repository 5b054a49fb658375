import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Site } from '../sites/site.entity';
// Not from dkim.dto: that file carries OpenAPI decorators, which a worker does not load.
import { siteDkimOptions } from '../dkim/dkim-key';
import { DkimOptions, MailAddress } from './transport/mail-transport';
import { headerSafe } from './transport/mime';

/** The contract envelope of one message: everything but the recipient, subject and body. */
export interface MessageEnvelope {
  from: MailAddress;
  replyTo: string | null;
  /** `<uuid@domain-of-fromEmail>`, unique per message. */
  messageId: string;
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id, and X-Vestnik-Bulletin for bulletins. */
  headers: Record<string, string>;
  /** The site's DKIM key, when it signs; the transport applies it. */
  dkim?: DkimOptions;
}

/** Builds the headers every message carries (API.md "Messages"). Cheap: called once per recipient. */
@Injectable()
export class MessageHeadersService {
  private readonly listHost: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.listHost = new URL(config.publicUrl).hostname;
  }

  /** From, Reply-To, Message-ID and the list headers for a message carrying `unsubscribeUrl`. */
  build(site: Site, unsubscribeUrl: string, bulletinId?: string | null): MessageEnvelope {
    const headers: Record<string, string> = {
      'List-Unsubscribe': this.listUnsubscribe(site, unsubscribeUrl),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': this.listId(site),
    };
    if (bulletinId) headers['X-Vestnik-Bulletin'] = headerSafe(bulletinId);
    return {
      from: { name: headerSafe(site.fromName), address: headerSafe(site.fromEmail) },
      replyTo: site.replyTo ? headerSafe(site.replyTo) : null,
      messageId: this.messageId(site),
      headers,
      dkim: siteDkimOptions(site),
    };
  }

  /** The List-Unsubscribe value: the one-click URL, plus a mailto when the site has one. */
  listUnsubscribe(site: Site, unsubscribeUrl: string): string {
    const unsubscribe = [`<${unsubscribeUrl}>`];
    if (site.unsubscribeMailto) {
      // The token in the subject tells an inbound handler who wants out; the address alone would not.
      const token = unsubscribeUrl.slice(unsubscribeUrl.lastIndexOf('/') + 1);
      unsubscribe.push(`<mailto:${site.unsubscribeMailto}?subject=unsubscribe%20${token}>`);
    }
    return headerSafe(unsubscribe.join(', '));
  }

  /** A fresh `<uuid@domain>` on the sending domain, which spam filters like to see match From. */
  messageId(site: Site): string {
    return `<${randomUUID()}@${messageIdDomain(site.fromEmail)}>`;
  }

  /** RFC 2919 `<slug.host-of-PUBLIC_URL>`: stable per site, so filters can sort a site's mail. */
  listId(site: Site): string {
    return `<${site.slug}.${this.listHost}>`;
  }
}

/**
 * The right-hand side of a site's Message-IDs, for transactional mail and bulletins alike: its
 * From domain, lower-cased, or `vestnik.invalid` where that is not a plain ASCII host name.
 */
export function messageIdDomain(fromEmail: string): string {
  const domain = fromEmail.slice(fromEmail.lastIndexOf('@') + 1).toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) ? domain : 'vestnik.invalid';
}
