import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

export type Role = 'api' | 'worker' | 'all';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : /^-?\d+$/.test(String(value)) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === 'true' ? true : value === 'false' ? false : value;

/** The process environment as documented in API.md ("Configuration"), plus a few operator knobs. */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// URL' })
  REDIS_URL?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9:_-]{1,64}$/, { message: 'must be 1-64 of A-Z a-z 0-9 : _ -' })
  REDIS_PREFIX?: string;

  @IsOptional() @Matches(/^(smtps?|direct):\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString() @Matches(/^\S{16,}$/, { message: 'must be at least 16 characters without spaces' })
  ADMIN_API_KEY?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,16}:\S{16,}(,[A-Za-z0-9_-]{1,16}:\S{16,})*$/, {
    message: 'must be kid:secret[,kid:secret…] with secrets of at least 16 characters',
  })
  TOKEN_SECRETS?: string;

  @IsOptional() @IsIn(['api', 'worker', 'all'])
  VESTNIK_ROLE?: Role;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  SEND_CONCURRENCY?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000)
  SEND_RATE_PER_SECOND?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(50)
  SEND_ATTEMPTS?: number;

  /** A delivery claimed (or queued with nothing carrying it) this long is re-enqueued by recovery. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  DELIVERY_STUCK_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  RECOVERY_INTERVAL_SECONDS?: number;

  @IsOptional() @Transform(toBool) @IsBoolean()
  WEBHOOKS_ALLOW_PRIVATE?: boolean;

  /** First retry delay of a failed webhook call; doubles per attempt, capped at an hour, for a day. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000)
  WEBHOOKS_RETRY_BASE_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(120_000)
  WEBHOOKS_TIMEOUT_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365)
  CONFIRM_TOKEN_TTL_DAYS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  PUBLIC_RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/, {
    message: 'must be true, false, a hop count or a comma-separated list of proxy addresses/CIDRs',
  })
  TRUST_PROXY?: string;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  smtpUrl: string | null;
  publicUrl: string;
  port: number;
  adminApiKey: string | null;
  tokenSecrets: { kid: string; secret: string }[];
  role: Role;
  sendConcurrency: number;
  sendRatePerSecond: number;
  sendAttempts: number;
  deliveryStuckSeconds: number;
  recoveryIntervalSeconds: number;
  webhooksAllowPrivate: boolean;
  webhooksRetryBaseMs: number;
  webhooksTimeoutMs: number;
  confirmTokenTtlDays: number;
  publicRateLimitPerMinute: number;
  logLevel: string;
  /** Fastify's trustProxy: whom to believe for X-Forwarded-For/-Proto (client address, https). */
  trustProxy: boolean | number | string;
}

export class ConfigError extends Error {}

/** Development-only signing secret, so `npm start` works on a fresh machine without setup. */
const DEV_TOKEN_SECRET = 'dev:vestnik-development-only-secret';

/**
 * Reads and validates the environment. Throws ConfigError whose message is one line
 * naming the first bad variable.
 */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const raw: Record<string, string> = {};
  for (const key of Object.getOwnPropertyNames(new EnvironmentVariables()).concat(
    Object.keys(env),
  )) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw);
  const errors = validateSync(vars, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const why = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const reason = why.startsWith(first.property) ? why.slice(first.property.length + 1) : why;
    throw new ConfigError(`Invalid configuration: ${first.property} ${reason}`);
  }
  const nodeEnv = (vars.NODE_ENV ?? 'development') as AppConfig['env'];
  if (nodeEnv === 'production') {
    for (const required of ['TOKEN_SECRETS', 'SMTP_URL'] as const) {
      if (!vars[required]) {
        throw new ConfigError(`Invalid configuration: ${required} is required when NODE_ENV=production`);
      }
    }
  }
  const tokenSecrets = (vars.TOKEN_SECRETS ?? DEV_TOKEN_SECRET).split(',').map((pair) => {
    const at = pair.indexOf(':');
    return { kid: pair.slice(0, at), secret: pair.slice(at + 1) };
  });
  return {
    env: nodeEnv,
    databaseUrl: vars.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vestnik',
    redisUrl: vars.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: vars.REDIS_PREFIX ?? 'vestnik',
    smtpUrl: vars.SMTP_URL ?? null,
    publicUrl: (vars.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, ''),
    port: vars.PORT ?? 3000,
    adminApiKey: vars.ADMIN_API_KEY ?? null,
    tokenSecrets,
    role: vars.VESTNIK_ROLE ?? 'all',
    sendConcurrency: vars.SEND_CONCURRENCY ?? 10,
    sendRatePerSecond: vars.SEND_RATE_PER_SECOND ?? 0,
    sendAttempts: vars.SEND_ATTEMPTS ?? 8,
    deliveryStuckSeconds: vars.DELIVERY_STUCK_SECONDS ?? 300,
    recoveryIntervalSeconds: vars.RECOVERY_INTERVAL_SECONDS ?? 30,
    webhooksAllowPrivate: vars.WEBHOOKS_ALLOW_PRIVATE ?? false,
    webhooksRetryBaseMs: vars.WEBHOOKS_RETRY_BASE_MS ?? 30_000,
    webhooksTimeoutMs: vars.WEBHOOKS_TIMEOUT_MS ?? 10_000,
    confirmTokenTtlDays: vars.CONFIRM_TOKEN_TTL_DAYS ?? 7,
    publicRateLimitPerMinute: vars.PUBLIC_RATE_LIMIT_PER_MINUTE ?? 120,
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    logLevel: vars.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
  };
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}
