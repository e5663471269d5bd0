import { createLogger } from '../../core/logger.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../core/server.ts';
import { api, removeDir, tempDir, TEST_TOKENS } from './processes.ts';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Calls the API with the admin token (or `token`). */
  call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** Closes the server and removes its data dir. */
  stop(): Promise<void>;
}

/** A real HTTP server in this process on a free 127.0.0.1 port (servermode normal, test tokens). */
export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.data ?? tempDir();
  const server = await startServer({ host: '127.0.0.1', port: 0, servermode: 'normal', tokens: TEST_TOKENS, logger: createLogger({ quiet: true }), ...options, data: dataDir });
  return Object.assign(server, {
    dataDir,
    call: <T>(method: string, path: string, body?: unknown, token?: string) => api<T>(server.url, method, path, body, token),
    async stop() {
      await server.close();
      removeDir(dataDir);
    },
  });
}

/** The worker protocol with the worker token. */
export function workerCall<T = unknown>(base: string, route: string, body: unknown): Promise<{ status: number; body: T }> {
  return api<T>(base, 'POST', `/workers/${route}`, body, TEST_TOKENS.worker);
}
