import type { HostAllowList } from './allow-hosts.js';
import type { HttpRequest } from './request.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** How `send` may follow the request around. */
export interface SendPolicy {
  allowList: HostAllowList | null;
  maxRedirects: number;
  signal: AbortSignal;
}

/** Why `send` gave up: a host not allowed, a redirect to a non-HTTP URL, or too many redirects. */
export class RefusedRequestError extends Error {
  override readonly name = 'RefusedRequestError';
  constructor(
    message: string,
    readonly code: 'HOST_NOT_ALLOWED' | 'TOO_MANY_REDIRECTS' | 'BAD_REDIRECT',
    readonly host: string,
  ) {
    super(message);
  }
}

/**
 * Sends the request and follows redirects itself, so that every hop is checked against the
 * allow list (fetch's own redirects would let an allowed host send the call anywhere). As fetch
 * does, a 303 (and a 301 or 302 after a POST) turns into a GET without a body, and credentials
 * are not carried to another origin.
 */
export async function send(request: HttpRequest, policy: SendPolicy): Promise<Response> {
  let { url, method, body } = request;
  const headers = new Headers(request.headers);
  for (let hops = 0; ; hops++) {
    if (policy.allowList !== null && !policy.allowList.allows(url)) {
      throw new RefusedRequestError(
        `host ${url.host} is not in allowHosts`,
        'HOST_NOT_ALLOWED',
        url.host,
      );
    }
    const response = await fetch(url, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: policy.signal,
    });
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => {});
    if (hops >= policy.maxRedirects) {
      throw new RefusedRequestError(
        `more than ${policy.maxRedirects} redirects`,
        'TOO_MANY_REDIRECTS',
        url.host,
      );
    }
    const next = URL.canParse(location, url.href) ? new URL(location, url) : null;
    if (next === null || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
      throw new RefusedRequestError(
        `redirect to ${JSON.stringify(location)}, not an http or https URL`,
        'BAD_REDIRECT',
        url.host,
      );
    }
    const status = response.status;
    if (
      status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST'
    ) {
      method = 'GET';
      body = undefined;
      headers.delete('content-type');
    }
    if (next.origin !== url.origin) {
      headers.delete('authorization');
      headers.delete('cookie');
    }
    url = next;
  }
}
