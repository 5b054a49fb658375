import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { CSV_BODY_LIMIT } from '../app.setup';
import { AppException, badRequest } from '../common/app-exception';
import { Principal } from '../common/auth/auth.types';
import { PoliciesService } from '../sites/policies.service';
import { Site } from '../sites/site.entity';
import { uuidV7 } from '../database/uuid-v7';
import { copyField, decodeUtf8, detectDelimiter, payloadTooLarge } from './csv-input';
import { ImportErrorDto, ImportQuery, ImportResultDto } from './dto/import.dto';
import { CsvColumns, readHeader, readRow } from './import-row';
import { SuppressionHasher } from './suppression-hasher';

export const MAX_LISTED_ERRORS = 1000;
/** COPY data is sent in chunks of about this many characters. */
const COPY_CHUNK = 1 << 16;

export interface ImportBody {
  contentType: string | undefined;
  contentLength: string | undefined;
  body: unknown;
}

/**
 * CSV import: parse the stream row by row, validate in Node (line numbers), COPY the good rows
 * into a temporary table, then merge with one INSERT … ON CONFLICT statement. Everything runs
 * in one transaction, so a file that turns out too large or broken imports nothing, and memory
 * holds one chunk of the file at a time whatever its length.
 */
@Injectable()
export class ImportService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly policies: PoliciesService,
    private readonly hasher: SuppressionHasher,
  ) {}

  async execute(
    site: Site,
    principal: Principal,
    query: ImportQuery,
    input: ImportBody,
  ): Promise<ImportResultDto> {
    const stream = checkBody(input);
    const policy = await this.policies.resolve(site.id, query.policyVersion);
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(
        `CREATE TEMP TABLE import_rows (line int, id uuid, email text, email_normalized text, name text, locale text,
           attributes jsonb, hashes text[]) ON COMMIT DROP`,
      );
      const client = (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
      const copy = client.query(copyFrom(`COPY import_rows FROM STDIN (FORMAT csv)`));
      // Listens for the COPY's own errors from the start, so none goes unhandled.
      const copied = finished(copy);
      copied.catch(() => undefined);
      let scan: Awaited<ReturnType<ImportService['scan']>>;
      try {
        scan = await this.scan(stream, copy);
        copy.end();
        await copied;
      } catch (error) {
        // Aborts the COPY (CopyFail) so the connection is ready for the ROLLBACK below.
        copy.destroy();
        await copied.catch(() => undefined);
        throw error;
      }
      const [merged]: { created: number; updated: number }[] = await runner.query(MERGE_SQL, [
        site.id,
        query.source,
        policy?.version ?? null,
        policy?.textSha256 ?? null,
        principal.keyId,
      ]);
      await runner.commitTransaction();
      return {
        created: merged.created,
        updated: merged.updated,
        skipped: scan.rows - merged.created - merged.updated,
        errors: scan.errors,
        errorCount: scan.errorCount,
        errorsTruncated: scan.errorCount > scan.errors.length,
      };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Parses, validates and writes the good rows to COPY; answers the row count and the errors. */
  private async scan(
    stream: AsyncIterable<Buffer>,
    copy: Writable,
  ): Promise<{ rows: number; errors: ImportErrorDto[]; errorCount: number }> {
    const { delimiter, text } = await detectDelimiter(decodeUtf8(stream, CSV_BODY_LIMIT));
    const source = Readable.from(text);
    // No `info`/`skip_records_with_error`: csv-parse then builds an info object per record,
    // which measured +115 MB of peak RSS over a million rows. Line numbers are counted here.
    const parser = parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      // A stray quote inside a field is kept as text rather than derailing the following lines.
      relax_quotes: true,
      max_record_size: 1 << 16,
    });
    source.on('error', (error) => parser.destroy(error));
    source.pipe(parser);

    const errors: ImportErrorDto[] = [];
    let errorCount = 0;
    let columns: CsvColumns | null = null;
    let rows = 0;
    let line = 1;
    let buffer = '';
    const flush = async () => {
      if (!copy.write(buffer)) await once(copy, 'drain');
      buffer = '';
    };
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        const at = line;
        line += 1 + lineBreaks(record);
        if (record.length === 1 && record[0] === '') continue; // an empty line
        if (!columns) {
          columns = readHeader(record);
          continue;
        }
        rows++;
        const row = readRow(columns, record);
        if ('error' in row) {
          errorCount++;
          if (errors.length < MAX_LISTED_ERRORS) errors.push({ line: at, message: row.error });
          continue;
        }
        buffer +=
          `${at},${uuidV7()},${copyField(row.email)},${copyField(row.normalized)},${copyField(row.name)},` +
          `${copyField(row.locale)},${copyField(JSON.stringify(row.attributes))},` +
          `"{${this.hasher.all(row.normalized).join(',')}}"\n`;
        if (buffer.length >= COPY_CHUNK) await flush();
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('CSV_')) {
        // Broken CSV structure (a quote never closed, a record over 64 KiB): the file is refused whole.
        const message = (error as Error).message;
        throw badRequest(
          'csv_malformed',
          `Line ${(error as { lines?: number }).lines ?? line}: ${message}`,
        );
      }
      throw error;
    }
    if (!columns) throw badRequest('csv_empty', 'The CSV file has no header row');
    if (buffer) await flush();
    return { rows, errors, errorCount };
  }
}

/** Line breaks inside quoted fields, so the next record's line number stays right. */
function lineBreaks(record: string[]): number {
  let count = 0;
  for (const field of record) {
    if (field.length < 1 || (!field.includes('\n') && !field.includes('\r'))) continue;
    count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return count;
}

function checkBody(input: ImportBody): AsyncIterable<Buffer> {
  const type = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
  const readable = input.body as Readable | undefined;
  if (
    (type !== 'text/csv' && type !== 'application/csv') ||
    typeof readable?.[Symbol.asyncIterator] !== 'function'
  ) {
    throw new AppException(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_media_type',
      'Send the file as text/csv',
    );
  }
  if (Number(input.contentLength) > CSV_BODY_LIMIT) throw payloadTooLarge(CSV_BODY_LIMIT);
  return readable;
}

/**
 * $1 site, $2 source, $3 policy version, $4 policy sha256, $5 api key. Later lines win over
 * earlier repeats; suppressed addresses are left out; an existing subscriber is only updated
 * while active or pending, so an import never revives someone who left. Rows go in in id order,
 * so the indexes that end in the id (three here, the ledger's by subscriber) grow at their right
 * edge: in the address sort's order they came out 33–40% larger after a million rows, while the
 * address index came out 30% smaller (bench/experiments/import-indexes.ts).
 */
const MERGE_SQL = `
  WITH src AS (
    SELECT DISTINCT ON (email_normalized) * FROM import_rows ORDER BY email_normalized, line DESC
  ), allowed AS (
    SELECT * FROM src
     WHERE NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.site_id = $1 AND s.email_hash = ANY (src.hashes))
  ), up AS (
    INSERT INTO subscribers (id, site_id, email, email_normalized, name, locale, attributes, status)
    SELECT id, $1, email, email_normalized, name, locale, attributes, 'active' FROM allowed ORDER BY id
    ON CONFLICT (site_id, email_normalized) DO UPDATE SET
      name = COALESCE(EXCLUDED.name, subscribers.name),
      locale = COALESCE(EXCLUDED.locale, subscribers.locale),
      attributes = subscribers.attributes || EXCLUDED.attributes,
      updated_at = now()
    WHERE subscribers.status IN ('active', 'pending')
    RETURNING id, (xmax = 0) AS inserted
  ), ev AS (
    INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, source, policy_version, policy_sha256, api_key_id)
    SELECT $1, id, CASE WHEN inserted THEN 'registered' ELSE 'updated' END, 'import', $2, $3, $4, $5 FROM up
  )
  SELECT (count(*) FILTER (WHERE inserted))::int AS created, (count(*) FILTER (WHERE NOT inserted))::int AS updated FROM up`;
