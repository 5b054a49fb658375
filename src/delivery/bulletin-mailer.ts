import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Bulletin } from '../bulletins/bulletin.entity';
import { MessageHeadersService, messageIdDomain } from '../mail/message-headers.service';
import { MessageRenderer, Recipient, RenderedMessage } from '../mail/templates/message-renderer';
import { TemplatesService } from '../mail/templates/templates.service';
import { MailToSend, OutgoingMail } from '../mail/transport/mail-transport';
import { Site } from '../sites/site.entity';
import { TokensService } from '../tokens/tokens.service';
import { BulletinMime } from './bulletin-mime';

/** A bulletin ready to render for many recipients in this process. */
export interface PreparedBulletin {
  bulletin: Bulletin;
  site: Site;
  renderer: MessageRenderer;
  /** Right-hand side of Message-IDs: the sending domain, which spam filters like to see match From. */
  messageIdDomain: string;
  /** The per-bulletin MIME skeleton (From, list headers, boundary, DKIM key), built once. */
  mime: BulletinMime;
  /** A subscriber's signed unsubscribe link for this bulletin (the shared claims encoded once). */
  unsubscribeUrl: (subscriberId: string) => string;
}

export interface BulletinRecipient extends Recipient {
  /** null for test sends (no subscriber): the unsubscribe link then changes nothing. */
  subscriberId: string | null;
  email: string;
}

/** Site settings and layouts may change while a long bulletin is sending: re-read this often. */
const PREPARED_TTL_MS = 30_000;
const MAX_PREPARED = 200;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Composes bulletin messages: templates compiled once per bulletin per process (the prepared
 * renderer is cached), then per recipient its values (or, where the bulletin cannot be split,
 * one whole render), one token and the contract headers (From, Reply-To, List-Unsubscribe +
 * One-Click, List-Id, the stable Message-ID and X-Vestnik-Bulletin).
 */
@Injectable()
export class BulletinMailer {
  private readonly prepared = new Map<string, { value: Promise<PreparedBulletin | null>; at: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly templates: TemplatesService,
    private readonly headers: MessageHeadersService,
    private readonly tokens: TokensService,
  ) {}

  /** The bulletin with its site and renderer; null when it no longer exists. Cached briefly. */
  prepare(bulletinId: string): Promise<PreparedBulletin | null> {
    const now = Date.now();
    const cached = this.prepared.get(bulletinId);
    if (cached && now - cached.at < PREPARED_TTL_MS) return cached.value;
    // An expired entry is never served again (it is re-read), so drop them all: otherwise a
    // long-running worker keeps every bulletin it has sent, up to MAX_PREPARED of them, each
    // with up to 1 MB of HTML and text and its compiled templates. Deleting before `set` also
    // keeps the map in insertion-time order, so the eviction below removes the oldest.
    for (const [id, entry] of this.prepared) if (now - entry.at >= PREPARED_TTL_MS) this.prepared.delete(id);
    const value = this.load(bulletinId);
    if (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value!);
    this.prepared.set(bulletinId, { value, at: now });
    value.catch(() => this.prepared.delete(bulletinId));
    return value;
  }

  /** Renders for a bulletin that is not (or not yet) in the cache, e.g. a draft's preview. */
  async prepareFor(site: Site, bulletin: Bulletin): Promise<PreparedBulletin> {
    const renderer = await this.templates.prepareBulletin(site, { subject: bulletin.subject, html: bulletin.html, text: bulletin.text });
    const sample = this.headers.build(site, 'http://placeholder.invalid/', bulletin.id);
    const mime = new BulletinMime(sample, sample.from.address);
    const unsubscribeUrl = this.tokens.unsubscribeUrls(site.id, bulletin.id);
    return { bulletin, site, renderer, messageIdDomain: messageIdDomain(site.fromEmail), mime, unsubscribeUrl };
  }

  render(prepared: PreparedBulletin, recipient: BulletinRecipient): RenderedMessage {
    return prepared.renderer.render(recipient, { unsubscribeUrl: this.unsubscribeUrl(prepared, recipient) });
  }

  /**
   * What goes to the transport for one delivery: a prebuilt message from the bulletin's MIME
   * skeleton (the hot path), or the structured message where the skeleton cannot carry it.
   */
  composeForSending(prepared: PreparedBulletin, recipient: BulletinRecipient, messageId: string): MailToSend {
    if (!BulletinMime.canCarry(recipient.email)) return this.compose(prepared, recipient, messageId);
    const unsubscribeUrl = this.unsubscribeUrl(prepared, recipient);
    const links = { unsubscribeUrl };
    const rendered = prepared.renderer.renderSpliced(recipient, links) ?? prepared.renderer.render(recipient, links);
    // The skeleton holds every other header: only List-Unsubscribe is personal.
    const listUnsubscribe = this.headers.listUnsubscribe(prepared.site, unsubscribeUrl);
    return prepared.mime.compose(recipient.email, rendered.subject, rendered.html, rendered.text, messageId, listUnsubscribe);
  }

  /** The whole message for one recipient; `messageId` is the delivery's own, reused on resends. */
  compose(prepared: PreparedBulletin, recipient: BulletinRecipient, messageId: string): OutgoingMail {
    const { site, bulletin } = prepared;
    const unsubscribeUrl = this.unsubscribeUrl(prepared, recipient);
    const rendered = prepared.renderer.render(recipient, { unsubscribeUrl });
    const envelope = this.headers.build(site, unsubscribeUrl, bulletin.id);
    return {
      from: envelope.from,
      to: recipient.email,
      replyTo: envelope.replyTo,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      messageId,
      headers: envelope.headers,
      dkim: envelope.dkim,
    };
  }

  /** A fresh Message-ID on the site's domain (test sends; deliveries get theirs from the claim). */
  newMessageId(site: Site): string {
    return this.headers.messageId(site);
  }

  private unsubscribeUrl(prepared: PreparedBulletin, recipient: BulletinRecipient): string {
    return prepared.unsubscribeUrl(recipient.subscriberId ?? NIL_UUID);
  }

  private async load(bulletinId: string): Promise<PreparedBulletin | null> {
    const bulletin = await this.db.getRepository(Bulletin).findOneBy({ id: bulletinId });
    if (!bulletin) return null;
    const site = await this.db.getRepository(Site).findOneByOrFail({ id: bulletin.siteId });
    return this.prepareFor(site, bulletin);
  }
}
