import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ListSubscribersQuery, mapSubscriber } from '../subscribers/dto/subscriber.dto';
import { ImportQuery } from '../subscribers/dto/import.dto';
import { ErasureService } from '../subscribers/erasure.service';
import { ExportService } from '../subscribers/export.service';
import { ImportService } from '../subscribers/import.service';
import { SUBSCRIBER_STATUSES } from '../subscribers/subscriber.entity';
import { subscriberNotFound, SubscribersService } from '../subscribers/subscribers.service';
import { SubscriptionStateService } from '../subscribers/subscription-state.service';
import { csrfRejected } from './console.guard';
import { ConsoleContext } from './console.context';
import { field, Form, formError, formToDto } from './console-forms';
import { ConsoleResult } from './console-views.service';

const PAGE_SIZE = 50;

/** Subscriber pages: list, one person's ledger, unsubscribe, export, erase, CSV import. */
@Injectable()
export class ConsoleSubscribersService {
  constructor(
    private readonly subscribers: SubscribersService,
    private readonly state: SubscriptionStateService,
    private readonly exporter: ExportService,
    private readonly eraser: ErasureService,
    private readonly importer: ImportService,
  ) {}

  async list(ctx: ConsoleContext, query: Form): Promise<ConsoleResult> {
    const filter = { email: field(query, 'email') ?? '', status: field(query, 'status') ?? '' };
    const base = { filter, statuses: SUBSCRIBER_STATUSES, notice: field(query, 'erased') ? 'erased' : null };
    delete query.erased;
    const parsed = await formToDto(ListSubscribersQuery, query, ['status', 'email', 'cursor']);
    if (parsed.errors) return this.listView({ ...base, items: [], formErrors: parsed.errors }, 400);
    try {
      const page = await this.subscribers.list(ctx.site!, { ...parsed.dto, limit: PAGE_SIZE });
      const next = page.nextCursor
        ? `?${new URLSearchParams({ ...filter, cursor: page.nextCursor }).toString()}`
        : null;
      return this.listView({ ...base, items: page.items, next, paged: !!parsed.dto.cursor });
    } catch (error) {
      return this.listView({ ...base, items: [], formErrors: formError(error) }, 400);
    }
  }

  async detail(ctx: ConsoleContext, id: string, notice?: string): Promise<ConsoleResult> {
    const record = await this.exporter.execute(ctx.site!, id);
    return {
      view: 'subscriber',
      title: 'subscribers',
      nav: 'subscribers',
      data: { ...record, attributes: Object.entries(record.subscriber.attributes ?? {}), notice },
    };
  }

  async unsubscribe(ctx: ConsoleContext, id: string): Promise<ConsoleResult> {
    const { subscriber } = await this.state.unsubscribe(ctx.site!.id, id, 'console', {
      apiKeyId: ctx.principal?.keyId ?? null,
      source: 'console',
    });
    if (!subscriber) throw subscriberNotFound();
    return { redirect: `/console/sites/${ctx.site!.slug}/subscribers/${id}?done=unsubscribed` };
  }

  async export(ctx: ConsoleContext, id: string): Promise<ConsoleResult> {
    const record = await this.exporter.execute(ctx.site!, id);
    return { download: JSON.stringify(record, null, 2), filename: `subscriber-${id}.json`, type: 'application/json' };
  }

  async eraseConfirm(ctx: ConsoleContext, id: string, mismatch = false): Promise<ConsoleResult> {
    const subscriber = mapSubscriber(await this.subscribers.get(ctx.site!, id));
    return {
      view: 'subscriber-erase',
      title: 'erase_title',
      nav: 'subscribers',
      status: mismatch ? 400 : 200,
      data: { subscriber, mismatch },
    };
  }

  /** The second step: the person's address typed again, so a stray click erases nobody. */
  async erase(ctx: ConsoleContext, id: string, form: Form): Promise<ConsoleResult> {
    const subscriber = await this.subscribers.get(ctx.site!, id);
    const typed = (field(form, 'confirm') ?? '').trim().toLowerCase();
    if (!subscriber.email || typed !== subscriber.email.toLowerCase()) return this.eraseConfirm(ctx, id, true);
    await this.eraser.execute(ctx.site!, ctx.principal!, id);
    return { redirect: `/console/sites/${ctx.site!.slug}/subscribers?erased=1` };
  }

  importPage(): ConsoleResult {
    return { view: 'subscribers-import', title: 'import_csv', nav: 'subscribers' };
  }

  /**
   * Two ways in, one importer: the page's script sends the file itself as text/csv (upload
   * progress, CSRF in a header, checked by the guard); without script the form posts
   * multipart, where `_csrf` and `source` arrive as parts before the file.
   */
  async import(ctx: ConsoleContext, req: FastifyRequest, query: Form): Promise<ConsoleResult> {
    const wantsJson = String(req.headers.accept ?? '').includes('application/json');
    let source = field(query, 'source');
    let input: { contentType: string | undefined; contentLength: string | undefined; body: unknown };
    if (req.isMultipart()) {
      const file = await req.file({ limits: { fileSize: 50 * 1024 * 1024 } });
      const part = (name: string) => {
        const value = file?.fields[name];
        return value && !Array.isArray(value) && value.type === 'field' ? String(value.value) : undefined;
      };
      if (!ctx.verifyCsrf(part('_csrf'))) throw csrfRejected();
      source = part('source');
      input = { contentType: 'text/csv', contentLength: undefined, body: file?.file };
    } else {
      input = { contentType: req.headers['content-type'], contentLength: req.headers['content-length'], body: req.body };
    }
    const parsed = await formToDto(ImportQuery, { source }, ['source']);
    if (parsed.errors) {
      if (wantsJson) return { json: { statusCode: 400, code: 'validation_failed', message: parsed.errors }, status: 400 };
      return { view: 'subscribers-import', title: 'import_csv', nav: 'subscribers', status: 400, data: { formErrors: parsed.errors } };
    }
    const result = await this.importer.execute(ctx.site!, ctx.principal!, parsed.dto, input);
    if (wantsJson) return { json: result };
    return { view: 'subscribers-import', title: 'import_csv', nav: 'subscribers', data: { result } };
  }

  private listView(data: Record<string, unknown>, status = 200): ConsoleResult {
    return { view: 'subscribers', title: 'subscribers', nav: 'subscribers', status, data };
  }
}
