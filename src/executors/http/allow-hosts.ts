interface AllowedHost {
  hostname: string;
  /** Null: any port. */
  port: string | null;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * The hosts the `http` executor may call: names (`api.example.com`, `10.0.0.5`, `[::1]`), each
 * optionally with a port (`api.example.com:8443`); a name without a port allows every port.
 * Names match exactly (no wildcards), without regard to case.
 */
export class HostAllowList {
  private readonly hosts: AllowedHost[];

  /** Throws a TypeError naming the first entry that is not a host name with an optional port. */
  constructor(entries: readonly string[]) {
    this.hosts = entries.map(parseEntry);
  }

  allows(url: URL): boolean {
    const port = url.port || DEFAULT_PORTS[url.protocol] || '';
    return this.hosts.some(
      (h) => h.hostname === url.hostname && (h.port === null || h.port === port),
    );
  }
}

function parseEntry(entry: string): AllowedHost {
  const match = /^([^\s/?#@]*?)(?::(\d{1,5}))?$/.exec(entry.trim());
  let hostname = '';
  try {
    if (match !== null && match[1] !== '') hostname = new URL(`http://${match[1]}`).hostname;
  } catch {
    // reported below
  }
  if (match === null || hostname === '') {
    throw new TypeError(`allowHosts: ${JSON.stringify(entry)} is not a host name`);
  }
  return { hostname, port: match[2] === undefined ? null : String(Number(match[2])) };
}
