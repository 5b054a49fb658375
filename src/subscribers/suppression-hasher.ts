import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

/**
 * Keyed hashes of erased addresses. A plain hash of an address is reversible by guessing
 * (addresses are low-entropy), so it is an HMAC under the token secrets: the first one
 * writes, all of them are checked, so rotating TOKEN_SECRETS keeps old suppressions working
 * as long as the old secret stays listed.
 */
@Injectable()
export class SuppressionHasher {
  private readonly secrets: string[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.secrets = config.tokenSecrets.map((s) => s.secret);
  }

  /** The hash written for a new suppression. */
  primary(normalizedEmail: string): string {
    return this.hash(this.secrets[0], normalizedEmail);
  }

  /** Every hash under which the address may have been suppressed. */
  all(normalizedEmail: string): string[] {
    return this.secrets.map((secret) => this.hash(secret, normalizedEmail));
  }

  private hash(secret: string, normalizedEmail: string): string {
    // Domain-separated from the link signatures made with the same secrets.
    return createHmac('sha256', secret)
      .update(`vestnik-suppression\0${normalizedEmail}`, 'utf8')
      .digest('hex');
  }
}
