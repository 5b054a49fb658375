import { Inject, Injectable } from '@nestjs/common';
import { createHmac, KeyObject, createSecretKey, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

export type TokenPurpose = 'unsubscribe' | 'confirm';

/** What a verified token says. No address: the subscriber is looked up by id. */
export interface TokenClaims {
  purpose: TokenPurpose;
  /** Key id that signed it (from TOKEN_SECRETS). */
  kid: string;
  siteId: string;
  subscriberId: string;
  /** The bulletin whose message carried the link (unsubscribe only). */
  bulletinId?: string;
  /** Confirm links only: when the link stops working. */
  expiresAt?: Date;
}

export interface UnsubscribeClaims {
  siteId: string;
  subscriberId: string;
  bulletinId?: string | null;
}

export interface ConfirmClaims {
  siteId: string;
  subscriberId: string;
}

/*
 * Wire format: base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)) truncated to 128 bits).
 * payload = version(1) purpose(1: 'u'|'c') flags(1) kidLength(1) kid siteId(16) subscriberId(16)
 *           [bulletinId(16) when flags&1] [expiry uint32 seconds when flags&2]
 * UUIDs travel as raw bytes and the MAC is truncated (RFC 2104 §5 allows it; 128 bits is far beyond
 * guessing over HTTP) so that a bulletin unsubscribe URL stays under ~130 characters and header
 * folding never splits it.
 */
const VERSION = 1;
const MAC_BYTES = 16;
const FLAG_BULLETIN = 1;
const FLAG_EXPIRY = 2;
/** Longest valid token is ~100 characters; anything much longer is refused before decoding. */
export const MAX_TOKEN_LENGTH = 200;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{22}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PURPOSE_BYTE: Record<TokenPurpose, number> = { unsubscribe: 0x75, confirm: 0x63 };
const DAY_MS = 24 * 60 * 60 * 1000;

/** Signs and verifies the links in messages (unsubscribe, confirm). Keys rotate via TOKEN_SECRETS. */
@Injectable()
export class TokensService {
  private readonly signing: { kid: string; key: KeyObject };
  private readonly keys = new Map<string, KeyObject>();
  private readonly publicUrl: string;
  private readonly confirmTtlMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    for (const { kid, secret } of config.tokenSecrets) {
      if (!this.keys.has(kid)) this.keys.set(kid, createSecretKey(Buffer.from(secret, 'utf8')));
    }
    const first = config.tokenSecrets[0];
    this.signing = { kid: first.kid, key: this.keys.get(first.kid)! };
    this.publicUrl = config.publicUrl.replace(/\/+$/, '');
    this.confirmTtlMs = config.confirmTokenTtlDays * DAY_MS;
  }

  /** Token for an unsubscribe link; never expires. */
  signUnsubscribe(claims: UnsubscribeClaims): string {
    return this.sign(
      'unsubscribe',
      claims.siteId,
      claims.subscriberId,
      claims.bulletinId ?? undefined,
    );
  }

  /** Token for a double opt-in link; expires after CONFIRM_TOKEN_TTL_DAYS. */
  signConfirm(claims: ConfirmClaims, now = Date.now()): string {
    return this.sign(
      'confirm',
      claims.siteId,
      claims.subscriberId,
      undefined,
      now + this.confirmTtlMs,
    );
  }

  /** `${PUBLIC_URL}/unsubscribe/<token>` */
  unsubscribeUrl(claims: UnsubscribeClaims): string {
    return `${this.publicUrl}/unsubscribe/${this.signUnsubscribe(claims)}`;
  }

  /**
   * `unsubscribeUrl` for many subscribers of one bulletin: the claims they share are encoded once,
   * and each link only writes its subscriber's id into them before signing.
   */
  unsubscribeUrls(siteId: string, bulletinId: string): (subscriberId: string) => string {
    const { payload, subscriberAt } = this.payload('unsubscribe', siteId, bulletinId);
    return (subscriberId) => {
      uuidToBytes(subscriberId).copy(payload, subscriberAt);
      return `${this.publicUrl}/unsubscribe/${this.signed(payload)}`;
    };
  }

  /** `${PUBLIC_URL}/confirm/<token>` */
  confirmUrl(claims: ConfirmClaims): string {
    return `${this.publicUrl}/confirm/${this.signConfirm(claims)}`;
  }

  /**
   * The claims of a genuine, unexpired token for `purpose`; null for anything else
   * (malformed, truncated, over-long, tampered, expired, wrong purpose, unknown key). Never throws.
   */
  verify(token: string, purpose: TokenPurpose, now = Date.now()): TokenClaims | null {
    try {
      return this.verifyOrNull(token, purpose, now);
    } catch {
      return null;
    }
  }

  private verifyOrNull(token: string, purpose: TokenPurpose, now: number): TokenClaims | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token))
      return null;
    const dot = token.indexOf('.');
    const body = token.slice(0, dot);
    const payload = Buffer.from(body, 'base64url');
    // Non-canonical base64 (other trailing bits) would decode to the same bytes: refuse it.
    if (payload.toString('base64url') !== body || payload.length < 4) return null;
    if (payload[0] !== VERSION || payload[1] !== PURPOSE_BYTE[purpose]) return null;
    const flags = payload[2];
    const kidLength = payload[3];
    const expected =
      4 + kidLength + 32 + (flags & FLAG_BULLETIN ? 16 : 0) + (flags & FLAG_EXPIRY ? 4 : 0);
    if (flags & ~(FLAG_BULLETIN | FLAG_EXPIRY) || payload.length !== expected) return null;
    const kid = payload.subarray(4, 4 + kidLength).toString('utf8');
    const key = this.keys.get(kid);
    if (!key) return null;
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const mac = this.mac(key, body);
    if (given.length !== mac.length || !timingSafeEqual(given, mac)) return null;

    let at = 4 + kidLength;
    const siteId = bytesToUuid(payload.subarray(at, (at += 16)));
    const subscriberId = bytesToUuid(payload.subarray(at, (at += 16)));
    const claims: TokenClaims = { purpose, kid, siteId, subscriberId };
    if (flags & FLAG_BULLETIN) claims.bulletinId = bytesToUuid(payload.subarray(at, (at += 16)));
    if (flags & FLAG_EXPIRY) {
      claims.expiresAt = new Date(payload.readUInt32BE(at) * 1000);
      if (claims.expiresAt.getTime() <= now) return null;
    } else if (purpose === 'confirm') {
      return null; // confirm links always expire
    }
    return claims;
  }

  private sign(
    purpose: TokenPurpose,
    siteId: string,
    subscriberId: string,
    bulletinId?: string,
    expiresAtMs?: number,
  ): string {
    const { payload, subscriberAt } = this.payload(purpose, siteId, bulletinId, expiresAtMs);
    uuidToBytes(subscriberId).copy(payload, subscriberAt);
    return this.signed(payload);
  }

  /** The claims in wire order; the subscriber's 16 bytes at `subscriberAt` are left for the caller. */
  private payload(purpose: TokenPurpose, siteId: string, bulletinId?: string, expiresAtMs?: number) {
    const kid = Buffer.from(this.signing.kid, 'utf8');
    const parts: Buffer[] = [
      Buffer.from([
        VERSION,
        PURPOSE_BYTE[purpose],
        (bulletinId ? FLAG_BULLETIN : 0) | (expiresAtMs ? FLAG_EXPIRY : 0),
        kid.length,
      ]),
      kid,
      uuidToBytes(siteId),
      Buffer.alloc(16),
    ];
    if (bulletinId) parts.push(uuidToBytes(bulletinId));
    if (expiresAtMs) {
      const expiry = Buffer.alloc(4);
      expiry.writeUInt32BE(Math.ceil(expiresAtMs / 1000));
      parts.push(expiry);
    }
    return { payload: Buffer.concat(parts), subscriberAt: 4 + kid.length + 16 };
  }

  private signed(payload: Buffer): string {
    const body = payload.toString('base64url');
    return `${body}.${this.mac(this.signing.key, body).toString('base64url')}`;
  }

  private mac(key: KeyObject, body: string): Buffer {
    return createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES);
  }
}

function uuidToBytes(uuid: string): Buffer {
  if (!UUID.test(uuid)) throw new Error('Token claims need UUIDs');
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
