import { Global, Module } from '@nestjs/common';
import { TokensService } from './tokens.service';

/** Signed links (unsubscribe, confirm), available everywhere. */
@Global()
@Module({
  providers: [TokensService],
  exports: [TokensService],
})
export class TokensModule {}
