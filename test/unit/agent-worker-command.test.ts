import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerWorkerCommand } from '../../headless/worker-command.ts';

describe('worker command', () => {
  it('adds `worker` with the documented options', () => {
    const program = new Command('coalition');
    registerWorkerCommand(program);
    const worker = program.commands.find((command) => command.name() === 'worker');
    expect(worker).toBeDefined();
    const flags = worker!.options.map((option) => option.long);
    expect(flags).toEqual(expect.arrayContaining(['--server', '--name', '--affinity', '--workers', '--runcommand', '--heartbeat', '--config', '--cloud']));
  });
});
