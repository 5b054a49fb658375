import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { notFound } from '../../common/app-exception';
import { AppConfig } from '../../config/config';
import { APP_CONFIG } from '../../config/config.module';
import { DevMail } from '../dev-mail.entity';
import { compile } from '../templates/template-engine';
import { LIST_PAGE, MESSAGE_PAGE } from './dev-mailbox.pages';

const PAGE_SIZE = 100;

/** Reads the development mailbox; everything 404s in production or when SMTP_URL is set. */
@Injectable()
export class DevMailboxService {
  private readonly enabled: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(DevMail) private readonly box: Repository<DevMail>,
  ) {
    this.enabled = config.env !== 'production' && !config.smtpUrl;
  }

  /** Newest first, `before` an id for the next page. */
  async list(before?: string): Promise<DevMail[]> {
    this.requireEnabled();
    const query = this.box
      .createQueryBuilder('m')
      .select(['m.id', 'm.messageId', 'm.from', 'm.to', 'm.subject', 'm.createdAt'])
      .orderBy('m.id', 'DESC')
      .limit(PAGE_SIZE);
    if (before && /^\d{1,18}$/.test(before)) query.where('m.id < :before', { before });
    return query.getMany();
  }

  /** The list as an HTML page. */
  async listPage(before?: string): Promise<string> {
    const items = await this.list(before);
    const last = items.length === PAGE_SIZE ? items[items.length - 1].id : null;
    return compile(
      LIST_PAGE,
      'html',
    )({
      items: items.map((m) => ({
        ...m,
        createdAt: m.createdAt.toISOString().replace('T', ' ').slice(0, 19),
      })),
      next: last,
    });
  }

  /** One message; 404 `message_not_found` when there is none. */
  async get(id: string): Promise<DevMail> {
    this.requireEnabled();
    const mail = /^\d{1,18}$/.test(id) ? await this.box.findOneBy({ id }) : null;
    if (!mail) throw notFound('message_not_found', 'No such message in the development mailbox');
    return mail;
  }

  /** Overview of one message with links to its HTML, text and raw source. */
  async messagePage(id: string): Promise<string> {
    const mail = await this.get(id);
    const headerEnd = mail.raw.search(/\r?\n\r?\n/);
    return compile(
      MESSAGE_PAGE,
      'html',
    )({ ...mail, headers: headerEnd > 0 ? mail.raw.slice(0, headerEnd) : mail.raw });
  }

  /** Removes every stored message. */
  async clear(): Promise<void> {
    this.requireEnabled();
    await this.box.clear();
  }

  private requireEnabled(): void {
    if (!this.enabled)
      throw notFound(
        'not_found',
        'The development mailbox is off (production, or SMTP_URL is set)',
      );
  }
}
