import { Module } from '@nestjs/common';
import { MailProcessor } from './mail.processor';

/** The transactional mail processor; loaded where VESTNIK_ROLE is worker or all. */
@Module({
  providers: [MailProcessor],
})
export class MailWorkerModule {}
