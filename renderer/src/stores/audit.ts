import { defineStore } from 'pinia';
import { ref } from 'vue';
import { get } from '../api/http.ts';
import type { AuditEntry, AuditPage } from '../api/access-types.ts';

/** The filters of the Audit page, as the URL keeps them (times as the page's local `YYYY-MM-DDTHH:mm`). */
export interface AuditFilters {
  user: string;
  action: string;
  target: string;
  since: string;
  until: string;
  offset: number;
}

export const AUDIT_PAGE = 50;

export function filtersFromUrl(q: Record<string, unknown>): AuditFilters {
  const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '');
  const offset = Number(s('offset'));
  return { user: s('user'), action: s('action'), target: s('target'), since: s('since'), until: s('until'), offset: Number.isInteger(offset) && offset > 0 ? offset : 0 };
}

export function filtersToUrl(f: AuditFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['user', 'action', 'target', 'since', 'until'] as const) if (f[k]) out[k] = f[k];
  if (f.offset) out.offset = String(f.offset);
  return out;
}

/** A local date-time of the page → ms since the epoch (the server's clock may be in another zone). */
const ms = (local: string) => (local ? String(new Date(local).getTime()) : undefined);

/** `GET /api/audit`: filtered and paged by the server, newest first. */
export const useAudit = defineStore('audit', () => {
  const entries = ref<AuditEntry[]>([]);
  const total = ref(0);
  const problem = ref('');
  const loading = ref(false);
  let seq = 0;

  async function load(f: AuditFilters): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    try {
      const page = await get<AuditPage>('/api/audit', { query: { user: f.user, action: f.action, target: f.target, since: ms(f.since), until: ms(f.until), limit: AUDIT_PAGE, offset: f.offset } });
      if (mine !== seq) return;
      entries.value = page.entries;
      total.value = page.total;
      problem.value = '';
    } catch (e) {
      if (mine !== seq) return;
      entries.value = [];
      total.value = 0;
      problem.value = (e as Error).message;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  return { entries, total, problem, loading, load };
});
