import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MetricsService } from '../health/metrics.service';
import { SitesService } from '../sites/sites.service';
import { Subscriber, SubscriberStatus } from '../subscribers/subscriber.entity';
import { TokensService } from '../tokens/tokens.service';
import { Message } from './message.entity';
import { MessageHeadersService } from './message-headers.service';
import { TemplatesService } from './templates/templates.service';
import { MailSendError, MailTransport } from './transport/mail-transport';
import { BouncesService } from '../bounces/bounces.service';

export type TransactionalKind = 'confirm' | 'notice';

export interface TransactionalResult {
  status: 'sent' | 'skipped' | 'failed';
  messageId?: string;
  /** Why it was skipped or failed. */
  reason?: string;
}

/** Which attempt this is; on the last one a temporary failure is recorded instead of thrown. */
export interface AttemptInfo {
  attempt: number;
  final: boolean;
}

/** Only while the status still fits: a confirm link to a pending person, a notice to an active one. */
const SENDABLE: Record<TransactionalKind, SubscriberStatus> = {
  confirm: 'pending',
  notice: 'active',
};

/** Sends the confirm (double opt-in) and notice (registration confirmed) messages and logs them. */
@Injectable()
export class TransactionalMailService {
  private readonly logger = new Logger(TransactionalMailService.name);

  constructor(
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    private readonly sites: SitesService,
    private readonly templates: TemplatesService,
    private readonly tokens: TokensService,
    private readonly headers: MessageHeadersService,
    private readonly transport: MailTransport,
    private readonly metrics: MetricsService,
    /** SMTP 5.1.x answers count as hard bounces (src/bounces). */
    @Optional() private readonly bounces?: BouncesService,
  ) {}

  /** The double opt-in message with a confirm link, while the subscriber is `pending`. */
  sendConfirm(
    subscriberId: string,
    attempt: AttemptInfo = { attempt: 1, final: true },
  ): Promise<TransactionalResult> {
    return this.send('confirm', subscriberId, attempt);
  }

  /** The "registration confirmed" message, while the subscriber is `active`. */
  sendNotice(
    subscriberId: string,
    attempt: AttemptInfo = { attempt: 1, final: true },
  ): Promise<TransactionalResult> {
    return this.send('notice', subscriberId, attempt);
  }

  /**
   * Renders and sends one message. Temporary failures (and auth/TLS trouble, which an operator
   * fixes) are thrown as MailSendError unless `attempt.final`, so the queue retries them.
   */
  async send(
    kind: TransactionalKind,
    subscriberId: string,
    attempt: AttemptInfo,
  ): Promise<TransactionalResult> {
    const subscriber = await this.subscribers.findOneBy({ id: subscriberId });
    if (!subscriber || subscriber.erasedAt || !subscriber.email)
      return { status: 'skipped', reason: 'erased' };
    if (subscriber.status !== SENDABLE[kind])
      return { status: 'skipped', reason: `status ${subscriber.status}` };
    const site = await this.sites.getById(subscriber.siteId);

    const claims = { siteId: site.id, subscriberId: subscriber.id };
    const unsubscribeUrl = this.tokens.unsubscribeUrl(claims);
    const confirmUrl = kind === 'confirm' ? this.tokens.confirmUrl(claims) : undefined;
    const rendered = await this.templates.renderTransactional(kind, site, subscriber, {
      unsubscribeUrl,
      confirmUrl,
    });
    const envelope = this.headers.build(site, unsubscribeUrl);

    const log = {
      siteId: site.id,
      subscriberId: subscriber.id,
      kind,
      subject: rendered.subject,
      attempts: attempt.attempt,
    };
    try {
      const result = await this.transport.send({ ...envelope, to: subscriber.email, ...rendered });
      await this.messages.insert({
        ...log,
        status: 'sent',
        messageId: result.messageId,
        sentAt: new Date(),
      });
      this.metrics.messagesSent.inc({ kind });
      return { status: 'sent', messageId: result.messageId };
    } catch (error) {
      const failure = MailSendError.from(error);
      if (failure.kind !== 'permanent' && !attempt.final) throw failure;
      this.logger.warn(
        { kind, subscriberId, error: failure.message, errorKind: failure.kind },
        'Message failed',
      );
      await this.messages.insert({
        ...log,
        status: 'failed',
        messageId: envelope.messageId,
        error: failure.message,
      });
      this.metrics.messagesFailed.inc({ kind });
      if (failure.kind === 'permanent') {
        const response = failure.response ?? failure.message;
        await this.bounces?.recordSmtpRejection({ siteId: site.id, subscriberId: subscriber.id, response });
      }
      return { status: 'failed', reason: failure.message };
    }
  }
}
