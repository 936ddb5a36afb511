/**
 * A VU's cookie jar. Cookies are kept per host; path and domain attributes beyond the host are not
 * honoured, which is enough for one shop on one origin.
 */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, { value: string; expires: number }>>();

  get empty(): boolean {
    return this.byHost.size === 0;
  }

  clear(): void {
    if (this.byHost.size > 0) this.byHost.clear();
  }

  set(host: string, name: string, value: string, expires = Infinity): void {
    let m = this.byHost.get(host);
    if (!m) this.byHost.set(host, (m = new Map()));
    if (expires <= Date.now()) m.delete(name);
    else m.set(name, { value, expires });
  }

  delete(host: string, name: string): void {
    this.byHost.get(host)?.delete(name);
  }

  /** The Set-Cookie header of a response, as browsers read its name, value, Max-Age and Expires. */
  setFromHeader(host: string, header: string): void {
    const parts = header.split(';');
    const eq = parts[0].indexOf('=');
    if (eq <= 0) return;
    const name = parts[0].slice(0, eq).trim();
    const value = parts[0].slice(eq + 1).trim();
    let expires = Infinity;
    for (let i = 1; i < parts.length; i++) {
      const [k, v = ''] = parts[i].split('=');
      const key = k.trim().toLowerCase();
      if (key === 'max-age') {
        const s = Number(v.trim());
        if (Number.isFinite(s)) expires = s <= 0 ? 0 : Date.now() + s * 1000;
      } else if (key === 'expires' && expires === Infinity) {
        const t = Date.parse(v.trim());
        if (Number.isFinite(t)) expires = t;
      }
    }
    this.set(host, name, value, expires);
  }

  header(host: string): string | undefined {
    const m = this.byHost.get(host);
    if (!m || m.size === 0) return undefined;
    const now = Date.now();
    const parts: string[] = [];
    for (const [k, c] of m) {
      if (c.expires <= now) m.delete(k);
      else parts.push(`${k}=${c.value}`);
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  entries(host: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [k, c] of this.byHost.get(host) ?? []) if (c.expires > Date.now()) out[k] = [c.value];
    return out;
  }
}
