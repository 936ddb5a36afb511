// `k6/html` and `Response.html()`: k6's Selection (a goquery port) over cheerio, with the methods scripts use
// to scrape pages and fill forms. Callbacks get what k6 gives them: each() an Element, map() a Selection.
import { createRequire } from 'node:module';
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element as DomElement } from 'domhandler';

type Matcher = string | Selection | ((index: number, el: ScriptElement) => unknown);

/** k6's Element: the DOM node behind one entry of a Selection. */
export class ScriptElement {
  constructor(
    private readonly $: CheerioAPI,
    private readonly node: AnyNode,
  ) {}
  private get el(): DomElement | null {
    return this.node.type === 'tag' || this.node.type === 'script' || this.node.type === 'style'
      ? (this.node as DomElement)
      : null;
  }
  nodeName(): string {
    return this.el?.name.toLowerCase() ?? `#${this.node.type}`;
  }
  nodeType(): number {
    return this.node.nodeType;
  }
  id(): string {
    return this.getAttribute('id') ?? '';
  }
  className(): string {
    return this.getAttribute('class') ?? '';
  }
  classList(): string[] {
    return this.className().split(/\s+/).filter(Boolean);
  }
  getAttribute(name: string): string | undefined {
    return this.el?.attribs[name];
  }
  hasAttribute(name: string): boolean {
    return this.el !== null && name in this.el.attribs;
  }
  hasAttributes(): boolean {
    return this.el !== null && Object.keys(this.el.attribs).length > 0;
  }
  attributes(): Record<string, { name: string; value: string }> {
    const a = this.el?.attribs ?? {};
    return Object.fromEntries(Object.entries(a).map(([name, value]) => [name, { name, value }]));
  }
  textContent(): string {
    return this.$(this.node).text();
  }
  innerHTML(): string {
    return this.$(this.node).html() ?? '';
  }
  selection(): Selection {
    return new Selection(this.$, this.$(this.node));
  }
}

/** k6's Selection: an immutable set of nodes of one parsed document. */
export class Selection {
  constructor(
    private readonly $: CheerioAPI,
    private readonly sel: Cheerio<AnyNode>,
  ) {}
  private wrap(sel: Cheerio<AnyNode>): Selection {
    return new Selection(this.$, sel);
  }
  private element(i: number): ScriptElement {
    return new ScriptElement(this.$, this.sel[i]);
  }
  private matcher(m: Matcher): string | Cheerio<AnyNode> | ((i: number, el: AnyNode) => boolean) {
    if (typeof m === 'string') return m;
    if (m instanceof Selection) return m.sel;
    if (typeof m === 'function') return (i, el) => Boolean(m(i, new ScriptElement(this.$, el)));
    throw new Error('k6/html: the argument must be a selector, a selection or a function');
  }

  find(selector: string | Selection): Selection {
    return this.wrap(this.sel.find(typeof selector === 'string' ? selector : (selector.sel as Cheerio<DomElement>)));
  }
  children(selector?: string): Selection {
    return this.wrap(this.sel.children(selector));
  }
  contents(): Selection {
    return this.wrap(this.sel.contents());
  }
  parent(selector?: string): Selection {
    return this.wrap(this.sel.parent(selector));
  }
  parents(selector?: string): Selection {
    return this.wrap(this.sel.parents(selector));
  }
  closest(selector: string): Selection {
    return this.wrap(this.sel.closest(selector));
  }
  next(selector?: string): Selection {
    return this.wrap(this.sel.next(selector));
  }
  nextAll(selector?: string): Selection {
    return this.wrap(this.sel.nextAll(selector));
  }
  prev(selector?: string): Selection {
    return this.wrap(this.sel.prev(selector));
  }
  prevAll(selector?: string): Selection {
    return this.wrap(this.sel.prevAll(selector));
  }
  siblings(selector?: string): Selection {
    return this.wrap(this.sel.siblings(selector));
  }
  has(selector: string): Selection {
    return this.wrap(this.sel.has(selector));
  }
  add(selector: string | Selection): Selection {
    return this.wrap(this.sel.add(typeof selector === 'string' ? this.$(selector) : selector.sel));
  }
  filter(m: Matcher): Selection {
    return this.wrap(this.sel.filter(this.matcher(m) as string));
  }
  not(m: Matcher): Selection {
    return this.wrap(this.sel.not(this.matcher(m) as string));
  }
  is(m: Matcher): boolean {
    return this.sel.is(this.matcher(m) as string);
  }
  first(): Selection {
    return this.wrap(this.sel.first());
  }
  last(): Selection {
    return this.wrap(this.sel.last());
  }
  eq(i: number): Selection {
    return this.wrap(this.sel.eq(i));
  }
  slice(start: number, end?: number): Selection {
    return this.wrap(this.sel.slice(start, end));
  }
  size(): number {
    return this.sel.length;
  }
  text(): string {
    return this.sel.text();
  }
  html(): string | undefined {
    return this.sel.html() ?? undefined;
  }
  attr(name: string, def?: unknown): unknown {
    return this.sel.attr(name) ?? def;
  }
  data(key?: string): unknown {
    return key === undefined ? this.sel.data() : this.sel.data(key);
  }
  serialize(): string {
    return this.sel.serialize();
  }
  /** k6's val(): an input's value ('on' for a checkbox without one), a select's selected option(s), a textarea's text */
  val(): unknown {
    const node = this.sel[0] as DomElement | undefined;
    const name = node?.name?.toLowerCase();
    const attr = (s: Cheerio<AnyNode>, n: string) => s.attr(n);
    const valueOrHtml = (o: Cheerio<AnyNode>) => attr(o, 'value') ?? o.html() ?? '';
    switch (name) {
      case 'input': {
        const type = attr(this.sel, 'type');
        return attr(this.sel, 'value') ?? (type === 'radio' || type === 'checkbox' ? 'on' : '');
      }
      case 'button':
        return attr(this.sel, 'value') ?? '';
      case 'textarea':
        return this.sel.html() ?? '';
      case 'option':
        return valueOrHtml(this.sel);
      case 'select': {
        const selected = this.sel.first().find('option[selected]');
        if (attr(this.sel, 'multiple') !== undefined) return selected.toArray().map((o) => valueOrHtml(this.$(o)));
        return selected.length === 0 ? undefined : valueOrHtml(selected.first());
      }
      default:
        return undefined;
    }
  }
  each(fn: (index: number, el: ScriptElement) => unknown): Selection {
    if (typeof fn !== 'function') throw new Error('the argument to each() must be a function');
    for (let i = 0; i < this.sel.length; i++) fn(i, this.element(i));
    return this;
  }
  map(fn: (index: number, sel: Selection) => unknown): unknown[] {
    if (typeof fn !== 'function') throw new Error('the argument to map() must be a function');
    const out: unknown[] = [];
    for (let i = 0; i < this.sel.length; i++) out.push(fn(i, this.wrap(this.sel.eq(i))));
    return out;
  }
  get(i?: number): ScriptElement | ScriptElement[] | undefined {
    if (i === undefined) return Array.from({ length: this.sel.length }, (_, k) => this.element(k));
    const n = this.sel.length;
    if (i >= n || i <= -n) return undefined;
    return this.element(i < 0 ? n + i : i);
  }
  toArray(): Selection[] {
    return Array.from({ length: this.sel.length }, (_, k) => this.wrap(this.sel.eq(k)));
  }
  index(m?: string | Selection): number {
    if (m === undefined) return this.sel.index();
    return this.sel.index(typeof m === 'string' ? m : m.sel);
  }
}

/** k6's parseHTML: the whole document as a Selection. */
export function parseHTML(src: string): Selection {
  // loaded on first use: most scripts never parse HTML, and every run's thread would pay for it
  const $ = (createRequire(import.meta.url)('cheerio') as typeof import('cheerio')).load(String(src));
  return new Selection($, $.root());
}

export function htmlModule() {
  return { parseHTML };
}
