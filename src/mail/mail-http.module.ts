import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DevMail } from './dev-mail.entity';
import { DevMailboxController } from './dev-mailbox/dev-mailbox.controller';
import { DevMailboxService } from './dev-mailbox/dev-mailbox.service';
import { TemplatesController } from './templates/templates.controller';

/** The templates API and the development mailbox pages. Loaded only where VESTNIK_ROLE is `api` or `all`. */
@Module({
  imports: [TypeOrmModule.forFeature([DevMail])],
  controllers: [TemplatesController, DevMailboxController],
  providers: [DevMailboxService],
})
export class MailHttpModule {}
