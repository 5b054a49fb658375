import { Injectable } from '@nestjs/common';
import { AppException } from '../common/app-exception';
import { BulletinDeliveriesService } from '../bulletins/bulletin-deliveries.service';
import { BulletinPreviewService } from '../bulletins/bulletin-preview.service';
import { BulletinSendingService } from '../bulletins/bulletin-sending.service';
import { BulletinsService } from '../bulletins/bulletins.service';
import { BulletinDto, CreateBulletinDto, SendBulletinDto, TestSendDto, UpdateBulletinDto } from '../bulletins/dto/bulletin.dto';
import { SubscribersService } from '../subscribers/subscribers.service';
import { ConsoleContext } from './console.context';
import { field, Form, formError, formToDto, validateDto } from './console-forms';
import { ConsoleResult } from './console-views.service';

/** A template error as the editor shows it: the field, the line, and the lines around it. */
export interface TemplateProblem {
  message: string;
  field: string | null;
  line: number | null;
  excerpt: Array<{ n: number; text: string; bad: boolean }>;
}

const FIELDS = ['subject', 'html', 'text'];
const NOTICES = ['saved', 'test_sent'];
const base = (ctx: ConsoleContext) => `/console/sites/${ctx.site!.slug}/bulletins`;

/** Bulletin pages: list, editor with preview, test send, send/schedule, progress and controls. */
@Injectable()
export class ConsoleBulletinsService {
  constructor(
    private readonly bulletins: BulletinsService,
    private readonly preview: BulletinPreviewService,
    private readonly sending: BulletinSendingService,
    private readonly deliveries: BulletinDeliveriesService,
    private readonly subscribers: SubscribersService,
  ) {}

  async list(ctx: ConsoleContext, query: Form): Promise<ConsoleResult> {
    const cursor = field(query, 'cursor') || undefined;
    const page = await this.bulletins.list(ctx.site!, { limit: 50, cursor });
    const next = page.nextCursor ? `?${new URLSearchParams({ cursor: page.nextCursor }).toString()}` : null;
    return { view: 'bulletins', title: 'bulletins', nav: 'bulletins', data: { bulletins: page.items, next, paged: !!cursor } };
  }

  newPage(): ConsoleResult {
    return this.editorView({ form: { subject: '', html: '', text: '' } });
  }

  async create(ctx: ConsoleContext, form: Form): Promise<ConsoleResult> {
    const parsed = await formToDto(CreateBulletinDto, form, FIELDS);
    if (parsed.errors) return this.editorView({ form, formErrors: parsed.errors }, 400);
    try {
      const bulletin = await this.bulletins.create(ctx.site!, parsed.dto);
      return { redirect: `${base(ctx)}/${bulletin.id}` };
    } catch (error) {
      return this.editorView({ form, problem: problem(error, form) }, 400);
    }
  }

  /** A draft opens in the editor; anything else on the sending page. */
  async page(ctx: ConsoleContext, id: string, query: Form): Promise<ConsoleResult> {
    const bulletin = await this.bulletins.get(ctx.site!, id);
    // Only known notices: the query string must not put arbitrary text on the page.
    const notice = NOTICES.find((n) => n === field(query, 'notice')) ?? null;
    if (bulletin.status === 'draft') return this.editor(ctx, bulletin, { notice });
    const failed = await this.deliveries.list(ctx.site!, id, { status: 'failed', limit: 100 });
    return {
      view: 'bulletin-progress',
      title: 'progress',
      nav: 'bulletins',
      data: { bulletin, progress: progress(bulletin), failed: failed.items, notice },
    };
  }

  async save(ctx: ConsoleContext, id: string, form: Form): Promise<ConsoleResult> {
    const outcome = await this.update(ctx, id, form);
    if (outcome) {
      const bulletin = await this.bulletins.get(ctx.site!, id);
      return this.editor(ctx, { ...bulletin, ...outcome.form }, outcome, 400);
    }
    return { redirect: `${base(ctx)}/${id}?notice=saved` };
  }

  /** The editor's live preview: saves the draft, then renders it for the chosen subscriber. */
  async livePreview(ctx: ConsoleContext, id: string, form: Form): Promise<ConsoleResult> {
    const outcome = await this.update(ctx, id, form);
    if (outcome) return { json: { ok: false, problem: outcome.problem, formErrors: outcome.formErrors }, status: 400 };
    const subscriberId = field(form, 'subscriberId') || undefined;
    try {
      return { json: { ok: true, preview: await this.preview.preview(ctx.site!, id, { subscriberId }) } };
    } catch (error) {
      return { json: { ok: false, formErrors: formError(error) }, status: 400 };
    }
  }

  async test(ctx: ConsoleContext, id: string, form: Form): Promise<ConsoleResult> {
    const emails = (field(form, 'emails') ?? '').split(/[,\s;]+/).filter(Boolean);
    const parsed = await validateDto(TestSendDto, { emails });
    if (parsed.errors) return this.reopen(ctx, id, { formErrors: parsed.errors });
    const result = await this.preview.test(ctx.site!, id, parsed.dto);
    const failed = result.items.filter((i) => i.status === 'failed').map((i) => `${i.email}: ${i.error}`);
    return failed.length ? this.reopen(ctx, id, { formErrors: failed }) : { redirect: `${base(ctx)}/${id}?notice=test_sent` };
  }

  /** Send now, or at a time typed in a datetime-local field (read as UTC, as the page says). */
  async send(ctx: ConsoleContext, id: string, form: Form): Promise<ConsoleResult> {
    const at = field(form, 'at');
    const iso = at ? `${at.length === 16 ? `${at}:00` : at}Z` : undefined;
    const parsed = await formToDto(SendBulletinDto, { at: iso }, ['at']);
    if (parsed.errors) return this.reopen(ctx, id, { formErrors: parsed.errors });
    try {
      await this.sending.send(ctx.site!, id, parsed.dto);
    } catch (error) {
      return this.reopen(ctx, id, { formErrors: formError(error) });
    }
    return { redirect: `${base(ctx)}/${id}` };
  }

  async control(ctx: ConsoleContext, id: string, action: 'pause' | 'resume' | 'cancel' | 'retry'): Promise<ConsoleResult> {
    const site = ctx.site!;
    if (action === 'retry') await this.sending.retryFailed(site, id);
    else await this.sending[action](site, id);
    return { redirect: `${base(ctx)}/${id}` };
  }

  async remove(ctx: ConsoleContext, id: string): Promise<ConsoleResult> {
    await this.bulletins.remove(ctx.site!, id);
    return { redirect: base(ctx) };
  }

  /** What the progress bar polls. */
  async progress(ctx: ConsoleContext, id: string): Promise<ConsoleResult> {
    const bulletin = await this.bulletins.get(ctx.site!, id);
    return { json: { status: bulletin.status, stats: bulletin.stats, error: bulletin.error, ...progress(bulletin) } };
  }

  private async update(ctx: ConsoleContext, id: string, form: Form) {
    // An emptied text field means "derive it from the HTML again".
    const parsed = await formToDto(UpdateBulletinDto, form, FIELDS);
    if (parsed.errors) return { form, formErrors: parsed.errors, problem: null };
    try {
      await this.bulletins.update(ctx.site!, id, { ...parsed.dto, text: parsed.dto.text ?? null });
      return null;
    } catch (error) {
      const found = problem(error, form);
      if (!found) throw error;
      return { form, problem: found, formErrors: null };
    }
  }

  private async editor(
    ctx: ConsoleContext,
    bulletin: BulletinDto | (BulletinDto & Form),
    extra: Record<string, unknown>,
    status = 200,
  ): Promise<ConsoleResult> {
    const [rendered, audience] = await Promise.all([
      this.preview.preview(ctx.site!, bulletin.id, {}).catch(() => null),
      this.subscribers.list(ctx.site!, { status: 'active', limit: 50 }),
    ]);
    return this.editorView({ bulletin, form: bulletin, rendered, audience: audience.items, ...extra }, status);
  }

  private async reopen(ctx: ConsoleContext, id: string, extra: Record<string, unknown>): Promise<ConsoleResult> {
    const bulletin = await this.bulletins.get(ctx.site!, id);
    if (bulletin.status !== 'draft') return this.page(ctx, id, {}).then((page) => withData(page, extra, 400));
    return this.editor(ctx, bulletin, extra, 400);
  }

  private editorView(data: Record<string, unknown>, status = 200): ConsoleResult {
    return { view: 'bulletin-editor', title: 'bulletins', nav: 'bulletins', status, data };
  }
}

function withData(page: ConsoleResult, extra: Record<string, unknown>, status: number): ConsoleResult {
  return 'view' in page ? { ...page, status, data: { ...page.data, ...extra } } : page;
}

/** Share of the audience that is done (sent, failed or skipped). A sent bulletin is 100%. */
export function progress(bulletin: BulletinDto): { percent: number; done: number; parts: Record<string, number> } {
  const { total, sent, failed, skipped } = bulletin.stats;
  const done = sent + failed + skipped;
  const share = (n: number) => (total ? Math.round((n / total) * 1000) / 10 : 0);
  const percent = total ? Math.floor((done / total) * 100) : bulletin.status === 'sent' ? 100 : 0;
  return { percent, done, parts: { sent: share(sent), failed: share(failed), skipped: share(skipped) } };
}

/** Turns a 400 `template_syntax` into the editor's view of it; null for any other error. */
export function problem(error: unknown, form: Form): TemplateProblem | null {
  if (!(error instanceof AppException) || error.code !== 'template_syntax') return null;
  const body = error.getResponse() as { message: string; field?: string; line?: number | null };
  const name = body.field ?? null;
  const line = typeof body.line === 'number' ? body.line : null;
  const source = name ? (field(form, name) ?? '') : '';
  const lines = source.split(/\r?\n/);
  const from = line ? Math.max(1, line - 2) : 1;
  const to = line ? Math.min(lines.length, line + 2) : 0;
  const excerpt = [];
  for (let n = from; n <= to; n++) excerpt.push({ n, text: lines[n - 1], bad: n === line });
  return { message: String(body.message), field: name, line, excerpt };
}
