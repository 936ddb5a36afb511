// k6's TLS options (tlsVersion, tlsCipherSuites, tlsAuth) as node's TLS connect options. Checked at start-up:
// a value k6 would not take is refused by name, with what is accepted.
export interface TlsSettings {
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL's names of the suites k6 named */
  ciphers?: string;
  /** client certificates, by the domains they are for */
  auth: { domains: string[]; cert: string; key: string; passphrase?: string }[];
}

const VERSIONS: Record<string, TlsSettings['minVersion']> = {
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
};

// k6's (Go's) suite names and OpenSSL's; TLS 1.3 suites are named alike
const SUITES: Record<string, string> = {
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
};

function version(v: unknown, where: string, fail: (m: string) => never): TlsSettings['minVersion'] {
  const out = VERSIONS[String(v)];
  if (out === undefined)
    fail(`${where} '${String(v)}' is not a TLS version (accepted: ${Object.keys(VERSIONS).join(', ')})`);
  return out;
}

/** options.tlsVersion / tlsCipherSuites / tlsAuth as node takes them; `fail` throws the user's error. */
export function tlsSettingsOf(options: Record<string, unknown>, fail: (message: string) => never): TlsSettings {
  const out: TlsSettings = { auth: [] };
  const v = options.tlsVersion;
  if (typeof v === 'string') out.minVersion = out.maxVersion = version(v, 'options.tlsVersion', fail);
  else if (v !== undefined && v !== null) {
    const r = v as { min?: unknown; max?: unknown };
    if (r.min !== undefined) out.minVersion = version(r.min, 'options.tlsVersion.min', fail);
    if (r.max !== undefined) out.maxVersion = version(r.max, 'options.tlsVersion.max', fail);
  }
  if (options.tlsCipherSuites !== undefined) {
    const names = Array.isArray(options.tlsCipherSuites) ? options.tlsCipherSuites : [options.tlsCipherSuites];
    out.ciphers = names
      .map(
        (n) =>
          SUITES[String(n)] ??
          fail(
            `options.tlsCipherSuites: '${String(n)}' is not a cipher suite k6 knows (accepted: ${Object.keys(SUITES).join(', ')})`,
          ),
      )
      .join(':');
  }
  for (const a of (options.tlsAuth as Record<string, unknown>[] | undefined) ?? []) {
    if (typeof a?.cert !== 'string' || typeof a?.key !== 'string')
      fail(`options.tlsAuth: each entry needs cert and key as PEM text (open() the files), and domains`);
    const domains = Array.isArray(a.domains) ? a.domains.map(String) : [];
    out.auth.push({
      domains,
      cert: a.cert,
      key: a.key,
      passphrase: typeof a.password === 'string' ? a.password : undefined,
    });
  }
  return out;
}

/** The client certificate for a host: the first entry naming it (or `*.parent`), or one without domains. */
export function clientCertFor(settings: TlsSettings, host: string): TlsSettings['auth'][number] | undefined {
  return settings.auth.find(
    (a) =>
      a.domains.length === 0 || a.domains.some((d) => d === host || (d.startsWith('*.') && host.endsWith(d.slice(1)))),
  );
}

const K6_VERSION_NAMES: Record<string, string> = {
  TLSv1: 'tls1.0',
  'TLSv1.1': 'tls1.1',
  'TLSv1.2': 'tls1.2',
  'TLSv1.3': 'tls1.3',
};

/** node's `TLSv1.3` as k6 names it: `tls1.3` */
export function k6TlsVersion(protocol: string | null | undefined): string {
  return protocol ? (K6_VERSION_NAMES[protocol] ?? protocol) : '';
}
