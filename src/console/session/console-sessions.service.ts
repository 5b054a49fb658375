import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Tokens from '@fastify/csrf';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal } from '../../common/auth/auth.types';
import { APP_CONFIG } from '../../config/config.module';
import { AppConfig } from '../../config/config';

/** Console sessions last a working day; signing in again is cheap. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface ConsoleSession {
  id: string;
  principal: Principal;
  csrfSecret: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Server-side console sessions (table console_sessions). The cookie carries 256 random bits;
 * only their hash is stored. Every lookup re-checks the key the session was opened with, so a
 * revoked key or a rotated ADMIN_API_KEY ends its sessions on the next request.
 */
@Injectable()
export class ConsoleSessionsService {
  readonly csrf = new Tokens({});
  private readonly adminHash: string | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminHash = config.adminApiKey ? sha256(config.adminApiKey) : null;
  }

  /** Opens a session for an authenticated principal; returns the cookie value. */
  async open(principal: Principal): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    // Expired rows are swept here: sign-ins are rare, so this costs nothing noticeable.
    await this.db.query(`DELETE FROM console_sessions WHERE expires_at < now()`);
    await this.db.query(
      `INSERT INTO console_sessions (token_hash, api_key_id, admin_key_hash, csrf_secret, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [
        sha256(token),
        principal.kind === 'site' ? principal.keyId : null,
        principal.kind === 'admin' ? this.adminHash : null,
        this.csrf.secretSync(),
        SESSION_TTL_SECONDS,
      ],
    );
    return token;
  }

  async find(token: string | undefined): Promise<ConsoleSession | null> {
    if (!token || token.length > 100) return null;
    const rows: Array<{
      id: string;
      csrf_secret: string;
      admin_key_hash: string | null;
      key_id: string | null;
      site_id: string | null;
      role: 'backend' | 'marketing' | null;
    }> = await this.db.query(
      `SELECT s.id, s.csrf_secret, s.admin_key_hash, k.id AS key_id, k.site_id, k.role
         FROM console_sessions s
         LEFT JOIN api_keys k ON k.id = s.api_key_id AND k.revoked_at IS NULL
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [sha256(token)],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.admin_key_hash !== null) {
      if (row.admin_key_hash !== this.adminHash) return null;
      return { id: row.id, csrfSecret: row.csrf_secret, principal: { kind: 'admin', keyId: null } };
    }
    if (!row.key_id || !row.site_id || !row.role) return null;
    return {
      id: row.id,
      csrfSecret: row.csrf_secret,
      principal: { kind: 'site', keyId: row.key_id, siteId: row.site_id, role: row.role },
    };
  }

  async close(id: string): Promise<void> {
    await this.db.query(`DELETE FROM console_sessions WHERE id = $1`, [id]);
  }
}
