import { describe, expect, it } from 'vitest';
import { jobProcessEnvironment, parseJobEnvironment, slotNames, substituteRunCommand } from '../../core/agent/job-environment.ts';

describe('job environment (old Coalition format)', () => {
  it('splits on the two characters backslash-n, not on newlines', () => {
    expect(parseJobEnvironment('A=1\\nB=two words\\nC=x=y')).toEqual({ A: '1', B: 'two words', C: 'x=y' });
    expect(parseJobEnvironment('A=line1\nline2')).toEqual({ A: 'line1\nline2' });
  });

  it('ignores empty entries and entries without a name', () => {
    expect(parseJobEnvironment('')).toEqual({});
    expect(parseJobEnvironment('\\nNOEQUALS\\n=value\\nOK=\\n')).toEqual({ OK: '' });
  });

  it("overrides the worker's environment and never passes the worker's tokens on", () => {
    const env = jobProcessEnvironment({ PATH: '/bin', HOME: '/home/w', COALITION_WORKER_TOKEN: 'secret' }, 'HOME=/tmp\\nSCENE=a.ma');
    expect(env).toEqual({ PATH: '/bin', HOME: '/tmp', SCENE: 'a.ma' });
  });
});

describe('runcommand template', () => {
  const job = { user: 'alice', dir: '/shots/010', command: 'render a.ma' };

  it('substitutes __user__, __dir__ and __cmd__ everywhere they appear', () => {
    expect(substituteRunCommand('sudo -u __user__ sh -c "cd __dir__ && __cmd__" # __user__', job)).toBe(
      'sudo -u alice sh -c "cd /shots/010 && render a.ma" # alice',
    );
  });

  it('does not substitute inside substituted values', () => {
    expect(substituteRunCommand('__cmd__ in __dir__', { user: '', dir: '/d', command: 'echo __dir__' })).toBe('echo __dir__ in /d');
  });
});

describe('slot names', () => {
  it('keeps the bare name for one slot and numbers several from 1', () => {
    expect(slotNames('render01', 1)).toEqual(['render01']);
    expect(slotNames('render01', 3)).toEqual(['render01-1', 'render01-2', 'render01-3']);
  });
});
