#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { registerCliCommands } from './cli-commands.ts';
import { registerServerCommand } from './server-command.ts';

const program = new Command('coalition').description('Coalition: a job farm manager').showHelpAfterError();
registerServerCommand(program);
registerCliCommands(program);

// Commands of other parts, registered when present.
const here = new URL('.', import.meta.url);
for (const [file, fn] of [['worker-command.ts', 'registerWorkerCommand'], ['aws-command.ts', 'registerAwsCommands']] as const) {
  if (!existsSync(new URL(file, here))) continue;
  const mod = (await import(new URL(file, here).href)) as Record<string, (p: Command) => void>;
  mod[fn]?.(program);
}

await program.parseAsync(process.argv);
