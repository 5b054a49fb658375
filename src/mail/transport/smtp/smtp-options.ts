import { hostname } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

/** How the SMTP pool connects; read from SMTP_URL (nodemailer's URL conventions). */
export interface SmtpOptions {
  host: string;
  port: number;
  /** `smtps://`: TLS from the first byte. */
  secure: boolean;
  auth: { user: string; pass: string } | null;
  /** Refuse to send unless STARTTLS succeeds (`?requireTLS=true`). */
  requireTLS: boolean;
  /** Never upgrade with STARTTLS (`?ignoreTLS=true`). */
  ignoreTLS: boolean;
  /** `?tls.rejectUnauthorized=false`, `?tls.servername=…` */
  tls: ConnectionOptions;
  /** EHLO name (`?name=`), else this host's name. */
  name: string;
  maxConnections: number;
  /** A connection says QUIT after this many messages and a new one takes over. */
  maxMessages: number;
  connectionTimeout: number;
  greetingTimeout: number;
  /** How long a server may take to answer a command. */
  socketTimeout: number;
  /** An unused connection is closed after this long (servers drop idle clients anyway). */
  idleTimeout: number;
}

/**
 * SMTP_URL → options. Query parameters override the defaults, so an operator can tune
 * (`?maxConnections=20&maxMessages=100`). Timeouts are far shorter than nodemailer's
 * minutes-long defaults so a dead server turns into a retryable error quickly.
 */
export function smtpOptions(smtpUrl: string, maxConnections: number): SmtpOptions {
  const parsed = parseConnectionUrl(smtpUrl) as Record<string, unknown> & {
    host?: string;
    port?: number;
    secure?: boolean;
    auth?: { user?: string; pass?: string };
    tls?: ConnectionOptions;
  };
  const number = (key: string, fallback: number) => {
    const value = parsed[key];
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const secure = parsed.secure === true;
  return {
    host: parsed.host ?? 'localhost',
    port: parsed.port ?? (secure ? 465 : 587),
    secure,
    auth: parsed.auth?.user ? { user: parsed.auth.user, pass: parsed.auth.pass ?? '' } : null,
    requireTLS: parsed.requireTLS === true,
    ignoreTLS: parsed.ignoreTLS === true,
    tls: parsed.tls ?? {},
    name: typeof parsed.name === 'string' && /^[A-Za-z0-9.[\]:-]+$/.test(parsed.name) ? parsed.name : ehloName(),
    maxConnections: number('maxConnections', maxConnections),
    maxMessages: number('maxMessages', 1000),
    connectionTimeout: number('connectionTimeout', 10_000),
    greetingTimeout: number('greetingTimeout', 10_000),
    socketTimeout: number('socketTimeout', 60_000),
    idleTimeout: number('idleTimeout', 30_000),
  };
}

/** This host's name when it is one EHLO can carry, else a literal of localhost. */
function ehloName(): string {
  const name = hostname();
  return /^[A-Za-z0-9.-]+$/.test(name) && name.includes('.') ? name : '[127.0.0.1]';
}
