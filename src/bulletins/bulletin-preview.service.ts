import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { notFound } from '../common/app-exception';
import { MetricsService } from '../health/metrics.service';
import { BulletinMailer, BulletinRecipient } from '../delivery/bulletin-mailer';
import { Message } from '../mail/message.entity';
import { MailSendError, MailTransport } from '../mail/transport/mail-transport';
import { Site } from '../sites/site.entity';
import { BulletinsService } from './bulletins.service';
import { PreviewBulletinDto, RenderedBulletinDto, TestSendDto, TestSendResponseDto, TestSendResultDto } from './dto/bulletin.dto';

/** Who a preview is for when no subscriber is named. */
function sampleRecipient(site: Site): BulletinRecipient {
  return {
    subscriberId: null,
    email: 'subscriber@example.com',
    name: site.locale === 'ru' ? 'Иван Петров' : 'Jane Doe',
    locale: site.locale,
    attributes: {},
  };
}

/** Preview (render without sending) and test sends (sent now, outside the audience and stats). */
@Injectable()
export class BulletinPreviewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bulletins: BulletinsService,
    private readonly mailer: BulletinMailer,
    private readonly transport: MailTransport,
    private readonly metrics: MetricsService,
  ) {}

  async preview(site: Site, id: string, dto: PreviewBulletinDto): Promise<RenderedBulletinDto> {
    const bulletin = await this.bulletins.find(site, id);
    const recipient = dto.subscriberId ? await this.subscriber(site, dto.subscriberId) : sampleRecipient(site);
    const prepared = await this.mailer.prepareFor(site, bulletin);
    return this.mailer.render(prepared, recipient);
  }

  /**
   * Sends the bulletin to 1..10 addresses now, rendered for the sample subscriber, and logs each
   * in `messages` as kind `test`; deliveries and stats are untouched. The unsubscribe link in a
   * test message names no subscriber, so following it changes nothing.
   */
  async test(site: Site, id: string, dto: TestSendDto): Promise<TestSendResponseDto> {
    const bulletin = await this.bulletins.find(site, id);
    const prepared = await this.mailer.prepareFor(site, bulletin);
    const emails = [...new Set(dto.emails.map((e) => e.trim()))];
    const items = await Promise.all(
      emails.map(async (email): Promise<TestSendResultDto> => {
        const messageId = this.mailer.newMessageId(site);
        const mail = this.mailer.compose(prepared, { ...sampleRecipient(site), email }, messageId);
        mail.headers = { ...mail.headers, 'X-Vestnik-Test': 'yes' };
        let error: string | null = null;
        try {
          await this.transport.send(mail);
          this.metrics.messagesSent.inc({ kind: 'test' });
        } catch (caught) {
          error = MailSendError.from(caught).message;
          this.metrics.messagesFailed.inc({ kind: 'test' });
        }
        await this.db.getRepository(Message).insert({
          siteId: site.id,
          subscriberId: null,
          bulletinId: bulletin.id,
          kind: 'test',
          status: error ? 'failed' : 'sent',
          recipient: email,
          subject: mail.subject,
          messageId,
          error,
          attempts: 1,
          sentAt: error ? null : new Date(),
        });
        return { email, status: error ? 'failed' : 'sent', messageId, error };
      }),
    );
    return { items };
  }

  private async subscriber(site: Site, subscriberId: string): Promise<BulletinRecipient> {
    const rows: { id: string; email: string | null; name: string | null; locale: string | null; attributes: Record<string, unknown> }[] =
      await this.db.query(
        `SELECT id, email, name, locale, attributes FROM subscribers WHERE id = $1 AND site_id = $2 AND email IS NOT NULL`,
        [subscriberId, site.id],
      );
    if (rows.length === 0) throw notFound('subscriber_not_found', 'No such subscriber on this site');
    const row = rows[0];
    return { subscriberId: row.id, email: row.email!, name: row.name, locale: row.locale, attributes: row.attributes };
  }
}
