import { dialog, ipcMain, Notification, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import type { DesktopBridge } from '../../core/desktop-bridge.ts';
import { BRIDGE_CHANNELS, type BridgeCall } from '../preload/channels.ts';

/** Each call's arguments, exactly: a call with anything more, less or else is refused. */
const argumentSchemas = {
  pickFile: z.tuple([
    z
      .object({
        title: z.string().max(200).optional(),
        filters: z
          .array(z.object({ name: z.string().min(1).max(100), extensions: z.array(z.string().regex(/^(\*|[A-Za-z0-9]{1,16}(\.[A-Za-z0-9]{1,16})*)$/)).min(1).max(20) }).strict())
          .max(10)
          .optional(),
      })
      .strict(),
  ]),
  openDataFolder: z.tuple([]),
  notify: z.tuple([z.object({ title: z.string().min(1).max(200), body: z.string().max(2000) }).strict()]),
} satisfies Record<BridgeCall, z.ZodType>;

export interface IpcContext {
  /** The farm's origin: only its main frame may call. */
  origin: string;
  dataDir: string;
  window(): BrowserWindow | undefined;
}

/** Why a call is refused, or undefined: the caller must be the main frame of a page of the farm's origin. */
export function senderProblem(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, origin: string): string | undefined {
  const frame = event.senderFrame;
  if (!frame) return 'the calling frame is gone';
  if (frame !== event.sender.mainFrame) return 'only the main frame may call';
  let frameOrigin: string | undefined;
  try {
    frameOrigin = new URL(frame.url).origin;
  } catch {
    frameOrigin = undefined;
  }
  if (frameOrigin !== origin) return `a page of ${frameOrigin ?? 'an unknown origin'} may not call`;
  return undefined;
}

/** Registers the bridge's handlers; returns a function that removes them. */
export function registerBridgeHandlers(context: IpcContext): () => void {
  const calls: { [K in BridgeCall]: (...args: z.infer<(typeof argumentSchemas)[K]>) => ReturnType<DesktopBridge[K]> } = {
    pickFile: async (options) => {
      const window = context.window();
      const dialogOptions = { title: options.title, filters: options.filters, properties: ['openFile' as const] };
      const result = window ? await dialog.showOpenDialog(window, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
    openDataFolder: async () => {
      const error = await shell.openPath(context.dataDir);
      if (error) throw new Error(`could not open the data folder: ${error}`);
    },
    notify: async ({ title, body }) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
  };
  const names = Object.keys(BRIDGE_CHANNELS) as BridgeCall[];
  for (const name of names) {
    ipcMain.handle(BRIDGE_CHANNELS[name], (event, ...args: unknown[]) => {
      const problem = senderProblem(event, context.origin);
      if (problem) throw new Error(`refused ${name}: ${problem}`);
      const parsed = argumentSchemas[name].safeParse(args);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`refused ${name}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
      }
      return (calls[name] as (...a: unknown[]) => Promise<unknown>)(...(parsed.data as unknown[]));
    });
  }
  return () => {
    for (const name of names) ipcMain.removeHandler(BRIDGE_CHANNELS[name]);
  };
}
