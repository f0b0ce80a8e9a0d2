/**
 * Small node:http helpers for the variant server: read a request body with a byte limit, and send a
 * JSON or text response (closing the connection when the server is draining, so keep-alive clients
 * reconnect elsewhere instead of reusing a socket that is about to go away).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; message: string };

/** Reads the whole body as UTF-8, refusing more than maxBytes (413) without buffering the excess. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413, message: `body of ${declared} bytes exceeds the limit of ${maxBytes}` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        finish({ ok: false, status: 413, message: `body exceeds the limit of ${maxBytes} bytes` });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', (error) => finish({ ok: false, status: 400, message: `could not read the body: ${error.message}` }));
    req.on('aborted', () => finish({ ok: false, status: 400, message: 'the client aborted the request' }));
  });
}

/** Sends a response unless one was already sent; `closing` adds Connection: close. */
export function send(res: ServerResponse, status: number, body: string, contentType: string, closing: boolean): void {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (closing) res.setHeader('Connection', 'close');
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, closing: boolean): void {
  send(res, status, JSON.stringify(value), 'application/json', closing);
}
