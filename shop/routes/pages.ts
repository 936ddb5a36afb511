import type { FastifyInstance } from 'fastify';
import { withClient } from '../db.ts';
import { badRequest } from '../errors.ts';
import { renderCalendar, renderProductPage } from '../html.ts';
import { loadCalendar, loadEvent, loadSubevent, parseId } from '../queries/catalog.ts';
import { loadProductPage } from '../queries/product-page.ts';
import type { ShopContext } from '../context.ts';

interface EventParams {
  organizer: string;
  event: string;
}
interface DateParams extends EventParams {
  subevent: string;
}

const MAX_PAGE = 100_000;

function parsePage(raw: unknown): number {
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE) {
    throw badRequest(`page '${String(raw)}' is not valid (accepted: a whole number from 1 to ${MAX_PAGE})`);
  }
  return Number(raw);
}

const html = 'text/html; charset=utf-8';

/** The presale pages, at pretix's URL shapes (trailing slash; the slash-less forms redirect, as Django's APPEND_SLASH does). */
export function pageRoutes(app: FastifyInstance, ctx: ShopContext): void {
  app.get<{ Params: EventParams; Querystring: { page?: string } }>(
    '/:organizer/:event/',
    { config: { name: 'calendar', kind: 'html' } },
    async (req, reply) => {
      const page = parsePage(req.query.page);
      const body = await withClient(
        () => ctx.reads.pool(),
        async (db) => {
          const event = await loadEvent(db, req.params.organizer, req.params.event);
          return renderCalendar(event, await loadCalendar(db, event, page));
        },
      );
      return reply.type(html).send(body);
    },
  );

  app.get<{ Params: DateParams }>(
    '/:organizer/:event/:subevent/',
    { config: { name: 'product-list', kind: 'html' } },
    async (req, reply) => {
      const subeventId = parseId(req.params.subevent, 'date');
      const body = await withClient(
        () => ctx.reads.pool(),
        async (db) => {
          const event = await loadEvent(db, req.params.organizer, req.params.event);
          const subevent = await loadSubevent(db, event, subeventId);
          const { products } = await loadProductPage(db, ctx.variant, event, subevent.id);
          return renderProductPage(event, subevent, products);
        },
      );
      return reply.type(html).send(body);
    },
  );

  const addSlash = (url: string) => {
    const q = url.indexOf('?');
    return q < 0 ? `${url}/` : `${url.slice(0, q)}/${url.slice(q)}`;
  };
  app.get('/:organizer/:event', { config: { name: 'redirect', kind: 'html' } }, async (req, reply) =>
    reply.redirect(addSlash(req.url), 301),
  );
  app.get('/:organizer/:event/:subevent', { config: { name: 'redirect', kind: 'html' } }, async (req, reply) =>
    reply.redirect(addSlash(req.url), 301),
  );
}
