import type { DesktopBridge, JobsMessage } from '../api/types.ts';
import { useLive } from './live.ts';

/**
 * In the desktop app, a notification when a whole tree ends (a top-level job or group becomes
 * FINISHED or ERROR). In a browser (no `window.coalitionDesktop`) it does nothing.
 */
export function notifyTreeEnds(bridge: DesktopBridge | undefined = typeof window === 'undefined' ? undefined : window.coalitionDesktop): () => void {
  if (!bridge) return () => {};
  const last = new Map<number, string>();
  const parents = new Map<number, number>();
  const titles = new Map<number, string>();
  return useLive().subscribe({
    jobs(message: JobsMessage) {
      for (const c of message.changed) {
        if (c.parent !== undefined) parents.set(c.id, c.parent);
        if (parents.get(c.id) !== 0) continue;
        if (c.title !== undefined) titles.set(c.id, c.title);
        if (c.state === undefined) continue;
        const before = last.get(c.id);
        last.set(c.id, c.state);
        if (before !== undefined && before !== c.state && (c.state === 'FINISHED' || c.state === 'ERROR')) {
          void bridge.notify({ title: c.state === 'FINISHED' ? 'Finished' : 'Failed', body: `${titles.get(c.id) ?? `Job ${c.id}`} ${c.state === 'FINISHED' ? 'is done' : 'ended in error'}` }).catch(() => {});
        }
      }
      for (const id of message.removed) {
        last.delete(id);
        parents.delete(id);
        titles.delete(id);
      }
    },
  });
}
