import { defineStore } from 'pinia';
import { ref } from 'vue';
import { del, get, post, put } from '../api/http.ts';
import type { PublicUser, UserRole } from '../api/access-types.ts';

export const ROLES: readonly UserRole[] = ['admin', 'wrangler', 'artist', 'viewer'];

/** The farm's people (`/api/users`, administrators). */
export const useUsers = defineStore('users', () => {
  const list = ref<PublicUser[]>([]);
  const problem = ref('');

  async function load(): Promise<void> {
    try {
      list.value = await get<PublicUser[]>('/api/users');
      problem.value = '';
    } catch (e) {
      problem.value = (e as Error).message;
    }
  }
  const replace = (u: PublicUser) => (list.value = list.value.map((x) => (x.name === u.name ? u : x)));

  async function create(input: { name: string; role: UserRole; password?: string; email?: string }): Promise<void> {
    const u = await put<PublicUser>('/api/users', input);
    list.value = [...list.value, u].sort((a, b) => a.name.localeCompare(b.name));
  }
  const setRole = async (name: string, role: UserRole) => replace(await post<PublicUser>(`/api/users/${encodeURIComponent(name)}`, { role }));
  const setPassword = async (name: string, password: string) => replace(await post<PublicUser>(`/api/users/${encodeURIComponent(name)}`, { password }));
  async function remove(name: string): Promise<void> {
    await del(`/api/users/${encodeURIComponent(name)}`);
    list.value = list.value.filter((u) => u.name !== name);
  }

  return { list, problem, load, create, setRole, setPassword, remove };
});
