import { onBeforeUnmount, onMounted, reactive } from 'vue';
import { useRouter } from 'vue-router';

/** `g` then a letter goes to a page; `?` shows the list. Keys typed in a field are left alone. */
export const GO_KEYS: Record<string, string> = { j: '/jobs', w: '/workers', c: '/cloud', e: '/events', a: '/affinities', p: '/plugins', s: '/setup' };

export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

export function useShortcuts() {
  const router = useRouter();
  const state = reactive({ open: false });
  let pendingG = false;
  const onKey = (e: KeyboardEvent) => {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (pendingG) {
      pendingG = false;
      const to = GO_KEYS[e.key];
      if (to) {
        e.preventDefault();
        void router.push(to);
      }
      return;
    }
    if (e.key === 'g') pendingG = true;
    else if (e.key === '?') state.open = !state.open;
    else if (e.key === 'Escape') state.open = false;
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
  return state;
}
