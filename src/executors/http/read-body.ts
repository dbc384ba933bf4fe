/** The start of a response body. */
export interface BodyPrefix {
  text: string;
  /** Whether the body was longer than asked for (the rest was not read). */
  truncated: boolean;
}

/**
 * Reads at most `maxBytes` of a response body as UTF-8 text and cancels the rest, so a huge or
 * endless body costs no more than `maxBytes` of memory.
 */
export async function readPrefix(response: Response, maxBytes: number): Promise<BodyPrefix> {
  const reader = response.body?.getReader();
  if (reader === undefined) return { text: '', truncated: false };
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    const room = maxBytes - bytes;
    if (value.byteLength > room) {
      // Stream mode: a character cut at the bound is dropped rather than mangled.
      text += decoder.decode(value.subarray(0, room), { stream: true });
      await reader.cancel().catch(() => {});
      return { text, truncated: true };
    }
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
}
