import { Router } from 'express';
import { z } from 'zod';
import { notFound, validationError } from '../errors.ts';
import type { SetupStep, SetupWizard, StepOutcome } from '../plugin-api.ts';
import { describeApi, ref } from './api-description.ts';

export interface SetupRoutesHost {
  wizards(): Array<{ plugin: string; wizard: SetupWizard }>;
  wizard(id: string): SetupWizard | undefined;
}

const stepBody = z.object({ input: z.record(z.string(), z.string()).default({}) }).strict();

/**
 * The guided setups plugins register, for the UI and the desktop app: each step can be
 * checked, planned and applied; a teardown is previewed, then applied with `{confirm: true}`.
 * Secret fields are never echoed back.
 */
export function setupRoutes(host: SetupRoutesHost): Router {
  const r = Router();
  const wizardOf = (id: string) => host.wizard(id) ?? (() => {
    throw notFound(`no setup wizard "${id}" (GET /api/setup lists them)`);
  })();
  const stepOf = (wizard: SetupWizard, id: string): SetupStep => wizard.steps.find((s) => s.id === id) ?? (() => {
    throw notFound(`wizard "${wizard.id}" has no step "${id}" (its steps: ${wizard.steps.map((s) => s.id).join(', ')})`);
  })();
  const input = (body: unknown) => {
    const parsed = stepBody.safeParse(body ?? {});
    if (!parsed.success) throw validationError(`body must be {"input": {"<field>": "<text>"}}: ${parsed.error.issues[0].message}`);
    return parsed.data.input;
  };
  const withoutSecrets = (step: SetupStep, outcome: StepOutcome): StepOutcome => {
    const secret = new Set(step.fields.filter((f) => f.secret).map((f) => f.key));
    if (!outcome.values) return outcome;
    return { ...outcome, values: Object.fromEntries(Object.entries(outcome.values).filter(([k]) => !secret.has(k))) };
  };

  r.get('/api/setup', (_req, res) => {
    res.json(host.wizards().map(({ plugin, wizard }) => ({ id: wizard.id, title: wizard.title, plugin, steps: wizard.steps.map((s) => ({ id: s.id, title: s.title, fields: s.fields })) })));
  });

  r.post('/api/setup/:wizard/steps/:step/:action', async (req, res) => {
    const step = stepOf(wizardOf(req.params.wizard), req.params.step);
    const values = input(req.body);
    switch (req.params.action) {
      case 'check':
        return res.json(withoutSecrets(step, await step.check(values)));
      case 'plan':
        return res.json(await step.plan(values));
      case 'apply':
        return res.json(withoutSecrets(step, await step.apply(values)));
      default:
        throw validationError(`unknown action "${req.params.action}": use check, plan or apply`);
    }
  });

  r.get('/api/setup/:wizard/teardown', async (req, res) => {
    res.json(await wizardOf(req.params.wizard).teardownPlan());
  });

  r.post('/api/setup/:wizard/teardown', async (req, res) => {
    if ((req.body as { confirm?: unknown } | undefined)?.confirm !== true) throw validationError('send {"confirm": true} to delete what the wizard created (GET this URL first to see the list)');
    res.json(await wizardOf(req.params.wizard).teardown());
  });

  return r;
}

const setup = ['setup'];
describeApi([
  { method: 'get', path: '/api/setup', tags: setup, summary: 'The guided setups plugins offer, with their steps', responses: { '200': { description: 'wizards', schema: { type: 'array', items: { type: 'object' } } } } },
  {
    method: 'post', path: '/api/setup/:wizard/steps/:step/:action', tags: setup, summary: 'Check, plan or apply a step', parameters: { action: { in: 'path', schema: { enum: ['check', 'plan', 'apply'] } } },
    body: { schema: stepBody, required: false }, responses: { '200': { description: 'the outcome', schema: { type: 'object' } }, '404': { description: 'no such wizard or step', schema: ref('Error') } },
  },
  { method: 'get', path: '/api/setup/:wizard/teardown', tags: setup, summary: 'What a teardown would delete', responses: { '200': { description: 'the plan', schema: { type: 'object' } } } },
  { method: 'post', path: '/api/setup/:wizard/teardown', tags: setup, summary: 'Tear down what the setup created ({"confirm": true})', body: { schema: { type: 'object', properties: { confirm: { type: 'boolean' } } } }, responses: { '200': { description: 'what was deleted', schema: { type: 'object' } } } },
]);
