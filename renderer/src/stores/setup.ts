import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, get, post } from '../api/http.ts';
import type { PlannedAction, StepOutcome, WizardInfo } from '../api/types.ts';

export interface StepResult {
  check?: StepOutcome;
  plan?: PlannedAction[];
  apply?: StepOutcome;
}

/**
 * A guided setup (`GET /api/setup`): each step is checked, planned and applied on the server;
 * what a step found or made feeds the next ones. Secret answers are sent once and then
 * forgotten by the page (the server keeps them in its secret store and never sends them back).
 */
export const useSetup = defineStore('setup', () => {
  const wizards = ref<WizardInfo[]>([]);
  const wizardId = ref('');
  const stepIndex = ref(0);
  const answers = ref<Record<string, string>>({});
  const results = ref<Record<string, StepResult>>({});
  const busy = ref('');
  const problem = ref('');
  const teardownPlan = ref<PlannedAction[] | null>(null);
  const teardownResult = ref<StepOutcome | null>(null);

  const wizard = computed(() => wizards.value.find((w) => w.id === wizardId.value));
  const step = computed(() => wizard.value?.steps[stepIndex.value]);

  async function load(retries = 5): Promise<void> {
    try {
      wizards.value = await get<WizardInfo[]>('/api/setup');
      if (!wizard.value && wizards.value.length) select(wizards.value[0].id);
      problem.value = '';
    } catch (e) {
      // Right after a start the plugins are still loading and their routes not there yet.
      if (e instanceof ApiError && e.status === 404 && retries > 0) return void setTimeout(() => void load(retries - 1), 1000);
      problem.value = (e as Error).message;
    }
  }

  function select(id: string): void {
    wizardId.value = id;
    stepIndex.value = 0;
    results.value = {};
    for (const s of wizard.value?.steps ?? []) for (const f of s.fields) if (f.default !== undefined && answers.value[f.key] === undefined) answers.value[f.key] = f.default;
  }

  /** What this step is sent: every answer so far (later steps use earlier values). */
  const input = () => Object.fromEntries(Object.entries(answers.value).filter(([, v]) => v !== ''));

  async function run(action: 'check' | 'plan' | 'apply'): Promise<void> {
    const s = step.value;
    if (!s || !wizard.value) return;
    busy.value = action;
    problem.value = '';
    try {
      const answer = await post<StepOutcome | PlannedAction[]>(`/api/setup/${wizard.value.id}/steps/${s.id}/${action}`, { input: input() });
      const r = { ...(results.value[s.id] ?? {}) };
      if (action === 'plan') r.plan = answer as PlannedAction[];
      else r[action] = answer as StepOutcome;
      results.value = { ...results.value, [s.id]: r };
      const outcome = action === 'plan' ? undefined : (answer as StepOutcome);
      if (outcome?.values) for (const [k, v] of Object.entries(outcome.values)) answers.value[k] = v;
      if (action === 'apply' && outcome?.ok) for (const f of s.fields) if (f.secret) delete answers.value[f.key];
    } catch (e) {
      problem.value = (e as Error).message;
    } finally {
      busy.value = '';
    }
  }

  /** A step is done when its check or its apply succeeded. */
  const done = (id: string) => !!(results.value[id]?.apply?.ok || results.value[id]?.check?.ok);

  async function previewTeardown(): Promise<void> {
    if (!wizard.value) return;
    teardownResult.value = null;
    teardownPlan.value = await get<PlannedAction[]>(`/api/setup/${wizard.value.id}/teardown`).catch((e: Error) => ((problem.value = e.message), null));
  }

  async function teardown(): Promise<void> {
    if (!wizard.value) return;
    busy.value = 'teardown';
    try {
      teardownResult.value = await post<StepOutcome>(`/api/setup/${wizard.value.id}/teardown`, { confirm: true });
      teardownPlan.value = null;
      results.value = {};
    } catch (e) {
      problem.value = (e as Error).message;
    } finally {
      busy.value = '';
    }
  }

  return { wizards, wizardId, wizard, stepIndex, step, answers, results, busy, problem, teardownPlan, teardownResult, load, select, run, done, previewTeardown, teardown };
});
