import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Subscriber } from '../subscribers/subscriber.entity';
import { DevMail } from './dev-mail.entity';
import { DevMailboxController } from './dev-mailbox/dev-mailbox.controller';
import { DevMailboxService } from './dev-mailbox/dev-mailbox.service';
import { Message } from './message.entity';
import { MessageHeadersService } from './message-headers.service';
import { Template } from './template.entity';
import { TemplatesController } from './templates/templates.controller';
import { TemplatesService } from './templates/templates.service';
import { TransactionalMailService } from './transactional-mail.service';
import { DevMailboxTransport } from './transport/dev-mailbox.transport';
import { MailTransport } from './transport/mail-transport';
import { SmtpTransport } from './transport/smtp.transport';

/**
 * Messages: templates, headers, the transport (SMTP from SMTP_URL, else the development mailbox)
 * and the transactional messages. Global: bulletins, bounces and webhooks use it too.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Template, Message, DevMail, Subscriber])],
  controllers: [TemplatesController, DevMailboxController],
  providers: [
    TemplatesService,
    MessageHeadersService,
    TransactionalMailService,
    DevMailboxService,
    {
      provide: MailTransport,
      inject: [APP_CONFIG, getRepositoryToken(DevMail)],
      useFactory: (config: AppConfig, box: Repository<DevMail>): MailTransport =>
        config.smtpUrl
          ? new SmtpTransport(config.smtpUrl, config.sendConcurrency)
          : new DevMailboxTransport(box),
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
