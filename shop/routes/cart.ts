import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.ts';
import { MAX_ID, parseId } from '../queries/catalog.ts';
import { addToCart, type CartAddInput, type DateRef } from '../queries/cart.ts';
import { checkout } from '../queries/checkout.ts';
import { MAX_ITEMS_PER_ORDER } from '../queries/product-page.ts';
import type { ShopContext } from '../context.ts';

const CART_ID = /^[\x21-\x7e]{1,255}$/;
// deliberately simple: one @, no spaces, a dot in the domain; pretix's own check is Django's EmailValidator
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function positiveId(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw badRequest(
      `"${field}" must be a whole number from 1 to ${MAX_ID}, got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
  return value;
}

function cartIdOf(value: unknown, required: boolean): string {
  if ((value === undefined || value === null) && !required) return randomBytes(16).toString('base64url');
  if (typeof value !== 'string' || !CART_ID.test(value)) {
    throw badRequest(
      `"cart_id" must be a string of 1 to 255 printable characters without spaces, got ${JSON.stringify(value) ?? 'nothing'}`,
    );
  }
  return value;
}

export function parseCartAdd(body: unknown): CartAddInput {
  const b = asObject(body);
  const item = positiveId(b.item, 'item');
  const variation = b.variation === undefined || b.variation === null ? null : positiveId(b.variation, 'variation');
  const count = b.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_ITEMS_PER_ORDER) {
    throw badRequest(
      `"count" must be a whole number from 1 to ${MAX_ITEMS_PER_ORDER} (the most one order may hold), got ${JSON.stringify(count) ?? 'nothing'}`,
    );
  }
  return { cartId: cartIdOf(b.cart_id, false), item, variation, count };
}

export function parseCheckout(body: unknown): { cartId: string; email: string } {
  const b = asObject(body);
  const cartId = cartIdOf(b.cart_id, true);
  if (typeof b.email !== 'string' || b.email.length > 254 || !EMAIL.test(b.email)) {
    throw badRequest(`"email" must be an e-mail address, got ${JSON.stringify(b.email) ?? 'nothing'}`);
  }
  return { cartId, email: b.email };
}

/**
 * An optional idempotency key: the same key names the same action, so a client may resend a request whose
 * answer it never got without the action happening twice (load:partition's task workers honour it).
 */
export function parseRequestId(body: unknown): string | undefined {
  const raw = asObject(body).request_id;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(raw)) {
    throw badRequest(`"request_id" must be 1 to 128 letters, digits, '.', '_' or '-', got ${JSON.stringify(raw)}`);
  }
  return raw;
}

export interface EventRef {
  organizer: string;
  event: string;
}

/** How the cart's two actions are carried out: inside the request (the default), or as tasks on a queue. */
export interface CartActions {
  add(where: DateRef, input: CartAddInput, requestId: string | undefined): Promise<unknown>;
  checkout(where: EventRef, cartId: string, email: string, requestId: string | undefined): Promise<unknown>;
}

function inRequest(ctx: ShopContext): CartActions {
  return {
    add: async (where, input) => {
      const r = await addToCart(ctx.pool, where, input);
      ctx.writes.record({
        kind: 'cart-add',
        at_ms: Date.now(),
        cart_id: r.cart_id,
        position_ids: r.positions.map((p) => p.id),
      });
      return r;
    },
    checkout: async (where, cartId, email) => {
      const r = await checkout(ctx.pool, where, cartId, email);
      ctx.writes.record({ kind: 'checkout', at_ms: Date.now(), cart_id: cartId, order_code: r.order_code });
      return r;
    },
  };
}

export function cartRoutes(app: FastifyInstance, ctx: ShopContext, actions: CartActions = inRequest(ctx)): void {
  app.post<{ Params: EventRef & { subevent: string } }>(
    '/:organizer/:event/:subevent/cart/add',
    { config: { name: 'cart-add', kind: 'json' } },
    async (req) => {
      const subeventId = parseId(req.params.subevent, 'date');
      const input = parseCartAdd(req.body);
      return actions.add(
        { organizer: req.params.organizer, event: req.params.event, subeventId },
        input,
        parseRequestId(req.body),
      );
    },
  );

  app.post<{ Params: EventRef }>(
    '/:organizer/:event/checkout',
    { config: { name: 'checkout', kind: 'json' } },
    async (req) => {
      const { cartId, email } = parseCheckout(req.body);
      return actions.checkout(
        { organizer: req.params.organizer, event: req.params.event },
        cartId,
        email,
        parseRequestId(req.body),
      );
    },
  );
}
