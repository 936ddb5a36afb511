import type { CalendarPage, EventInfo, SubeventInfo } from './queries/catalog.ts';
import type { ProductView } from './queries/product-page.ts';
import { i18nText } from './queries/product-list.ts';

/** Escapes text for HTML element content and double-quoted attributes: every dynamic value goes through it. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">${head}<title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
${body}
</body></html>
`;
}

const eventPath = (e: EventInfo) => `/${encodeURIComponent(e.organizerSlug)}/${encodeURIComponent(e.eventSlug)}/`;
const when = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
// the page shows "unlimited" where a quota has no size; scripts read the same word from data-available
const availText = (a: number | null) => (a === null ? 'unlimited' : String(a));

/** The event-series calendar: one link per date, so a load script can follow them like a visitor. */
export function renderCalendar(event: EventInfo, cal: CalendarPage): string {
  const base = eventPath(event);
  const rows = cal.dates
    .map(
      (d) =>
        `<li class="date" data-subevent="${d.id}" data-date="${esc(d.dateFrom.toISOString())}"><a href="${esc(base + d.id + '/')}">${esc(i18nText(d.name))}, ${esc(when(d.dateFrom))}</a></li>`,
    )
    .join('\n');
  const nav = [
    cal.page > 1 ? `<a rel="prev" href="${esc(`${base}?page=${cal.page - 1}`)}">Earlier dates</a>` : '',
    cal.hasNext ? `<a rel="next" href="${esc(`${base}?page=${cal.page + 1}`)}">Later dates</a>` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const list = cal.dates.length
    ? `<ul class="calendar" data-page="${cal.page}">\n${rows}\n</ul>`
    : '<p class="empty">No upcoming dates on this page.</p>';
  return page(
    `${i18nText(event.name)} - ${event.organizerName}`,
    `<h1>${esc(i18nText(event.name))}</h1>
<p class="organizer">${esc(event.organizerName)}</p>
${list}
<nav>${nav}</nav>`,
  );
}

/**
 * A date's product list. Every purchasable row (a product without variations, or one variation) is an element
 * with class "product" and data-item, data-variation ("" for none), data-available (a number or "unlimited"),
 * data-max (the most one order can take now) and data-price (e.g. "14.00").
 */
export function renderProductPage(event: EventInfo, subevent: SubeventInfo, products: readonly ProductView[]): string {
  const row = (p: ProductView, v: ProductView['variations'][number] | null) => {
    const price = v ? v.price : p.price;
    const available = v ? v.available : p.available;
    const max = v ? v.orderMax : p.orderMax;
    const label = v ? v.name : p.name;
    const state = available === 0 ? 'sold out' : `${availText(available)} left`;
    return `<li class="product" data-item="${p.id}" data-variation="${v ? v.id : ''}" data-available="${esc(availText(available))}" data-max="${max}" data-price="${esc(price)}">${esc(label)}: ${esc(price)} ${esc(event.currency)} <span class="availability">${esc(state)}</span></li>`;
  };
  let html = '';
  let category: number | null | undefined;
  for (const p of products) {
    if (p.categoryId !== category) {
      if (category !== undefined) html += '</section>\n';
      category = p.categoryId;
      html += `<section class="category"><h2>${esc(p.categoryName)}</h2>\n`;
    }
    if (p.variations.length) {
      html += `<h3>${esc(p.name)}</h3>\n<ul class="variations">\n${p.variations.map((v) => row(p, v)).join('\n')}\n</ul>\n`;
    } else {
      html += `<ul>\n${row(p, null)}\n</ul>\n`;
    }
  }
  if (category !== undefined) html += '</section>\n';
  if (!products.length) html = '<p class="empty">Nothing is on sale for this date.</p>';
  const title = `${i18nText(event.name)}: ${i18nText(subevent.name)}`;
  return page(
    title,
    `<h1>${esc(i18nText(event.name))}</h1>
<p class="date" data-subevent="${subevent.id}">${esc(i18nText(subevent.name))}, ${esc(when(subevent.dateFrom))}</p>
<p><a href="${esc(eventPath(event))}">All dates</a></p>
<form method="post" action="${esc(`${eventPath(event)}${subevent.id}/cart/add`)}">
${html}</form>`,
  );
}

export function renderError(status: number, message: string): string {
  const title =
    status === 404
      ? 'Not found'
      : status === 403
        ? 'Not available'
        : status === 503
          ? 'Service unavailable'
          : status >= 500
            ? 'Server error'
            : 'Bad request';
  return page(title, `<h1>${esc(title)}</h1>\n<p class="error">${esc(message)}</p>`);
}

/** The waiting room's page: a browser shows it and asks again after `seconds`, as on pretix's queue page. */
export function renderQueue(seconds: number): string {
  return page(
    'In the queue',
    `<h1>You are in the queue</h1>
<p class="queue" data-retry-after="${seconds}">Many people want tickets right now. This page checks again in ${seconds} s and lets you in when it is your turn.</p>`,
    `<meta http-equiv="refresh" content="${seconds}">`,
  );
}
