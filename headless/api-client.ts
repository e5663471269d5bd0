import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small client of the server's HTTP API for the CLI. */
export class ApiClient {
  constructor(
    readonly server: string,
    private readonly token?: string,
  ) {}

  /** Server URL and token from flags, the environment, or the local data dir's tokens file. */
  static from(opts: { server?: string; tokenFile?: string; data?: string }): ApiClient {
    const server = (opts.server ?? process.env.COALITION_SERVER ?? 'http://127.0.0.1:19211').replace(/\/+$/, '');
    // A person's own token (COALITION_TOKEN, as the Python client reads it) before the admin token.
    let token = process.env.COALITION_TOKEN || process.env.COALITION_ADMIN_TOKEN;
    const file = opts.tokenFile ?? join(opts.data ?? process.env.COALITION_DATA ?? './data', 'tokens.json');
    if (!token && existsSync(file)) token = (JSON.parse(readFileSync(file, 'utf8')) as { admin?: string }).admin;
    return new ApiClient(server, token);
  }

  /** The raw answer of a call (a download); throws with the server's message on an error status. */
  async fetch(method: string, path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.server + path, { method, headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} });
    } catch (e) {
      throw new Error(`cannot reach the server at ${this.server} (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}); is it running? (npm start)`);
    }
    if (!res.ok) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
      } catch {
        /* not JSON */
      }
      throw new Error(`${res.status}: ${message}`);
    }
    return res;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.server + path, {
        method,
        headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new Error(`cannot reach the server at ${this.server} (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}); is it running? (npm start)`);
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const message = (data as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      throw new Error(`${res.status}: ${message}`);
    }
    return data as T;
  }
}
