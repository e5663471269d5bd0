import type { SetupWizard } from '../../../core/plugin-api.ts';
import { teardown, teardownPlan } from '../teardown.ts';
import { bucketStep } from './bucket-step.ts';
import { credentialsStep } from './credentials-step.ts';
import { iamStep } from './iam-step.ts';
import { networkStep } from './network-step.ts';
import { securityGroupsStep } from './security-groups-step.ts';
import type { SetupContext } from './setup-context.ts';
import { settingsStep } from './settings-step.ts';

/**
 * "Cloud mode on AWS": the guided setup the desktop app, the web UI and `coalition aws setup`
 * run. Each step checks, plans (create or reuse) and applies idempotently.
 */
export function createAwsSetupWizard(ctx: SetupContext): SetupWizard {
  return {
    id: 'aws',
    title: 'Cloud mode on AWS',
    steps: [credentialsStep(ctx), networkStep(ctx), securityGroupsStep(ctx), bucketStep(ctx), iamStep(ctx), settingsStep(ctx)],
    teardownPlan: async () => teardownPlan(ctx),
    teardown: () => teardown(ctx),
  };
}
