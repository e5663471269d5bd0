import { defineStore } from 'pinia';
import { ref } from 'vue';

export interface SavedView {
  name: string;
  /** The jobs page's URL query. */
  query: Record<string, string>;
}

const KEY = 'coalition.savedViews';

/** Named jobs views (columns, sort, filters), kept in this browser. */
export const useSavedViews = defineStore('savedViews', () => {
  const views = ref<SavedView[]>(read());

  function read(): SavedView[] {
    try {
      return JSON.parse(localStorage.getItem(KEY) ?? '[]') as SavedView[];
    } catch {
      return [];
    }
  }

  function persist(): void {
    localStorage.setItem(KEY, JSON.stringify(views.value));
  }

  function save(name: string, query: Record<string, string>): void {
    views.value = [...views.value.filter((v) => v.name !== name), { name, query }].sort((a, b) => a.name.localeCompare(b.name));
    persist();
  }

  function remove(name: string): void {
    views.value = views.value.filter((v) => v.name !== name);
    persist();
  }

  return { views, save, remove };
});
