import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Subscriber } from '../subscribers/subscriber.entity';
import { DevMail } from './dev-mail.entity';
import { Message } from './message.entity';
import { MessageHeadersService } from './message-headers.service';
import { Template } from './template.entity';
import { TemplatesService } from './templates/templates.service';
import { TransactionalMailService } from './transactional-mail.service';
import { MailTransport } from './transport/mail-transport';
import { SmtpTransport } from './transport/smtp.transport';

/**
 * Messages: templates, headers, the transport (SMTP from SMTP_URL, else the development mailbox)
 * and the transactional messages. Global: bulletins, bounces and webhooks use it too. Loaded in
 * every role; the templates API and the development mailbox pages are MailHttpModule.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Template, Message, DevMail, Subscriber])],
  providers: [
    TemplatesService,
    MessageHeadersService,
    TransactionalMailService,
    {
      provide: MailTransport,
      inject: [APP_CONFIG, getRepositoryToken(DevMail)],
      useFactory: async (config: AppConfig, box: Repository<DevMail>): Promise<MailTransport> => {
        if (config.smtpUrl) return new SmtpTransport(config.smtpUrl, config.sendConcurrency);
        // Loaded only without SMTP_URL: the development mailbox parses what it stores (mailparser).
        const { DevMailboxTransport } = await import('./transport/dev-mailbox.transport');
        return new DevMailboxTransport(box);
      },
    },
  ],
  exports: [TemplatesService, MessageHeadersService, TransactionalMailService, MailTransport],
})
export class MailModule implements OnApplicationShutdown {
  constructor(@Inject(MailTransport) private readonly transport: MailTransport) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}
