/**
 * A cookie jar as browsers and k6 keep one (RFC 6265 in brief): cookies by domain, path and name, host-only
 * unless Set-Cookie names a Domain, sent to matching hosts and paths while not expired, Secure ones over https.
 */
interface Cookie {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  expires: number;
  secure: boolean;
}

/** The parts of a URL cookies care about. */
export interface CookieUrl {
  hostname: string;
  pathname: string;
  secure: boolean;
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatches(path: string, cookiePath: string): boolean {
  if (path === cookiePath) return true;
  if (!path.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || path[cookiePath.length] === '/';
}

function defaultPath(pathname: string): string {
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

export interface CookieOptions {
  domain?: string;
  path?: string;
  expires?: string;
  max_age?: number;
  secure?: boolean;
}

export class CookieJar {
  private readonly cookies = new Map<string, Cookie>();

  get empty(): boolean {
    return this.cookies.size === 0;
  }

  /** Forgets every cookie, or (with a URL) the cookies that would be sent to it. */
  clear(url?: CookieUrl): void {
    // Map.clear() allocates a new table even when empty, and every iteration resets the jar
    if (url === undefined) {
      if (this.cookies.size > 0) this.cookies.clear();
    } else for (const [k, c] of this.cookies) if (this.sendsTo(c, url, Date.now())) this.cookies.delete(k);
  }

  private put(c: Cookie): void {
    const key = `${c.domain}|${c.path}|${c.name}`;
    if (c.expires <= Date.now()) this.cookies.delete(key);
    else this.cookies.set(key, c);
  }

  /** A cookie the script sets for a URL (http.cookieJar().set). */
  set(url: CookieUrl, name: string, value: string, o: CookieOptions = {}): void {
    const domain = o.domain ? o.domain.replace(/^\./, '').toLowerCase() : url.hostname;
    let expires = Infinity;
    if (o.max_age !== undefined) expires = o.max_age <= 0 ? 0 : Date.now() + o.max_age * 1000;
    else if (o.expires !== undefined && Number.isFinite(Date.parse(o.expires))) expires = Date.parse(o.expires);
    this.put({ name, value, domain, hostOnly: !o.domain, path: o.path ?? '/', expires, secure: o.secure === true });
  }

  delete(url: CookieUrl, name: string): void {
    for (const [k, c] of this.cookies) if (c.name === name && this.sendsTo(c, url, Date.now())) this.cookies.delete(k);
  }

  /** One Set-Cookie header of a response to `url`. */
  setFromHeader(url: CookieUrl, header: string): void {
    const parts = header.split(';');
    const eq = parts[0].indexOf('=');
    if (eq <= 0) return;
    const c: Cookie = {
      name: parts[0].slice(0, eq).trim(),
      value: parts[0].slice(eq + 1).trim(),
      domain: url.hostname,
      hostOnly: true,
      path: defaultPath(url.pathname),
      expires: Infinity,
      secure: false,
    };
    let maxAge: number | undefined;
    for (let i = 1; i < parts.length; i++) {
      const at = parts[i].indexOf('=');
      const key = (at < 0 ? parts[i] : parts[i].slice(0, at)).trim().toLowerCase();
      const v = at < 0 ? '' : parts[i].slice(at + 1).trim();
      if (key === 'max-age' && Number.isFinite(Number(v))) maxAge = Number(v);
      else if (key === 'expires' && Number.isFinite(Date.parse(v))) c.expires = Date.parse(v);
      else if (key === 'path' && v.startsWith('/')) c.path = v;
      else if (key === 'secure') c.secure = true;
      else if (key === 'domain' && v !== '') {
        const d = v.replace(/^\./, '').toLowerCase();
        // a Domain the host does not belong to is rejected, as browsers and k6 do
        if (!domainMatches(url.hostname, d)) return;
        c.domain = d;
        c.hostOnly = false;
      }
    }
    if (maxAge !== undefined) c.expires = maxAge <= 0 ? 0 : Date.now() + maxAge * 1000;
    this.put(c);
  }

  private sendsTo(c: Cookie, url: CookieUrl, now: number): boolean {
    if (c.expires <= now) return false;
    if (c.hostOnly ? url.hostname !== c.domain : !domainMatches(url.hostname, c.domain)) return false;
    return pathMatches(url.pathname, c.path) && (!c.secure || url.secure);
  }

  /** name -> value of the cookies sent to `url`, longer paths first (a name can repeat across paths). */
  matching(url: CookieUrl): Cookie[] {
    if (this.cookies.size === 0) return [];
    const now = Date.now();
    const out: Cookie[] = [];
    for (const c of this.cookies.values()) if (this.sendsTo(c, url, now)) out.push(c);
    return out.sort((a, b) => b.path.length - a.path.length);
  }

  header(url: CookieUrl): string | undefined {
    const list = this.matching(url);
    return list.length === 0 ? undefined : list.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** k6's cookiesForURL: name -> [values]. */
  entries(url: CookieUrl): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.matching(url)) (out[c.name] ??= []).push(c.value);
    return out;
  }
}
