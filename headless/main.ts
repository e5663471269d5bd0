#!/usr/bin/env node
import { Command } from 'commander';
import { registerCliCommands } from './cli-commands.ts';
import { registerOpsCommands } from './ops-commands.ts';
import { registerServerCommand } from './server-command.ts';
import { registerWorkerCommand } from './worker-command.ts';

const program = new Command('coalition').description('Coalition: a job farm manager').showHelpAfterError();
registerServerCommand(program);
registerWorkerCommand(program);
registerCliCommands(program);
registerOpsCommands(program);
// The AWS commands load the AWS SDK (~2 s): only when asked for, so workers and the CLI start fast.
if (process.argv[2] === 'aws') (await import('./aws-command.ts')).registerAwsCommands(program);
else program.command('aws').description('AWS cloud mode: guided setup, teardown, user-data preview (aws --help)');

await program.parseAsync(process.argv);
