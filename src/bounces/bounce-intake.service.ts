import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { AppException, badRequest } from '../common/app-exception';
import { SitesService } from '../sites/sites.service';
import { checkEmail } from '../subscribers/email-address';
import { BounceSource } from './bounce.entity';
import { BounceSettings } from './bounce-settings.entity';
import { BounceSettingsService } from './bounce-settings.service';
import { BounceOutcome, BouncesService } from './bounces.service';
import { BounceOutcomeDto, DsnOutcomeDto, ReportBounceDto } from './dto/bounce.dto';
import { parseDsn } from './providers/dsn';
import { parseMailgun, verifyMailgunSignature } from './providers/mailgun';
import { ParsedBounce } from './providers/parsed-bounce';
import { parsePostmark } from './providers/postmark';
import { parseSesNotification, parseSnsMessage, verifySnsSignature } from './providers/sns';
import { SnsCertificates } from './sns-certificates';

/** SNS may retry for a while; older notifications are refused as replays. */
const SNS_MAX_AGE_MS = 24 * 3600_000;

/** One answer for every refusal, so an unauthenticated caller learns nothing about sites or settings. */
const refused = () =>
  new AppException(HttpStatus.UNAUTHORIZED, 'invalid_signature', 'The notification is not signed for this site');

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Turns each intake format into bounces for BouncesService, after checking who sent it. */
@Injectable()
export class BounceIntakeService {
  private readonly logger = new Logger(BounceIntakeService.name);

  constructor(
    private readonly bounces: BouncesService,
    private readonly settings: BounceSettingsService,
    private readonly sites: SitesService,
    private readonly sns: SnsCertificates,
  ) {}

  report(siteId: string, dto: ReportBounceDto): Promise<BounceOutcome> {
    if (dto.email !== undefined && !checkEmail(dto.email).ok) {
      throw badRequest('invalid_email', 'email is not a valid address', { fields: ['email'] });
    }
    return this.bounces.record(siteId, { email: dto.email, messageId: dto.messageId, type: dto.type, reason: dto.reason ?? '' }, 'api');
  }

  async dsn(siteId: string, raw: unknown): Promise<DsnOutcomeDto> {
    if (!Buffer.isBuffer(raw) || raw.length === 0) throw badRequest('invalid_dsn', 'The body must be a message/rfc822 message');
    const found = parseDsn(raw);
    if (found.length === 0) {
      throw badRequest('invalid_dsn', 'No message/delivery-status or feedback report with a failed recipient was found');
    }
    return this.recordAll(siteId, found, 'dsn');
  }

  async ses(slug: string, body: unknown): Promise<DsnOutcomeDto & { confirmed?: boolean }> {
    const message = parseSnsMessage(body);
    if (!message) throw badRequest('invalid_notification', 'The body is not an SNS message');
    const { siteId, settings } = await this.siteSettings(slug);
    if (!settings?.sesTopicArns.includes(message.TopicArn)) throw refused();
    const certificate = await this.sns.certificate(message.SigningCertURL).catch((error: Error) => {
      this.logger.warn(`SNS certificate not available: ${error.message}`);
      throw refused();
    });
    if (!verifySnsSignature(message, certificate)) throw refused();
    const age = Date.now() - Date.parse(message.Timestamp);
    if (!(age < SNS_MAX_AGE_MS)) throw badRequest('stale_notification', 'The notification is too old');
    if (message.Type === 'SubscriptionConfirmation') {
      const confirmed = await this.sns.confirmSubscription(message.SubscribeURL);
      return { bounces: 0, matched: 0, confirmed };
    }
    if (message.Type !== 'Notification') return { bounces: 0, matched: 0 };
    return this.recordAll(siteId, parseSesNotification(message.Message, message.MessageId), 'ses');
  }

  async postmark(slug: string, authorization: string | undefined, body: unknown): Promise<DsnOutcomeDto> {
    const { siteId, settings } = await this.siteSettings(slug);
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
    const [user, ...rest] = match ? Buffer.from(match[1], 'base64').toString('utf8').split(':') : [];
    if (
      !settings?.postmarkUsername ||
      !settings.postmarkPassword ||
      !match ||
      !sameSecret(user, settings.postmarkUsername) ||
      !sameSecret(rest.join(':'), settings.postmarkPassword)
    ) {
      throw refused();
    }
    return this.recordAll(siteId, parsePostmark(body), 'postmark');
  }

  async mailgun(slug: string, body: unknown): Promise<DsnOutcomeDto> {
    const { siteId, settings } = await this.siteSettings(slug);
    if (!settings?.mailgunSigningKey || !verifyMailgunSignature(settings.mailgunSigningKey, body)) throw refused();
    return this.recordAll(siteId, parseMailgun(body), 'mailgun');
  }

  private async siteSettings(slug: string): Promise<{ siteId: string; settings: BounceSettings | null }> {
    const site = /^[a-z0-9-]{2,40}$/.test(slug) ? await this.sites.findBySlug(slug) : null;
    if (!site) throw refused();
    return { siteId: site.id, settings: await this.settings.get(site.id) };
  }

  private async recordAll(siteId: string, found: ParsedBounce[], source: BounceSource): Promise<DsnOutcomeDto> {
    let matched = 0;
    for (const bounce of found) {
      const outcome: BounceOutcomeDto = await this.bounces.record(siteId, bounce, source);
      if (outcome.matched) matched += 1;
    }
    return { bounces: found.length, matched };
  }
}
