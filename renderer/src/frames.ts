/** A frame range as the children of a group: one job per frame, the frame number put in the command. */
export interface FrameJob {
  title: string;
  command: string;
}

const PLACEHOLDER = /\{frame(?::(\d+))?\}/g;

/** Frames first..last by step; `{frame}` (or `{frame:4}`, zero-padded) in the command is the frame. */
export function frameJobs(command: string, first: number, last: number, step: number, title: string): { jobs: FrameJob[]; error?: string } {
  if (![first, last, step].every(Number.isInteger)) return { jobs: [], error: 'first, last and step must be whole numbers' };
  if (step < 1) return { jobs: [], error: 'step must be 1 or more' };
  if (last < first) return { jobs: [], error: 'the last frame comes before the first' };
  const count = Math.floor((last - first) / step) + 1;
  if (count > 100_000) return { jobs: [], error: `${count} frames is too many for one submission (100,000 at most)` };
  if (!command.trim()) return { jobs: [], error: 'give a command' };
  if (!/\{frame(?::\d+)?\}/.test(command)) return { jobs: [], error: 'put {frame} in the command where the frame number goes' };
  const jobs: FrameJob[] = [];
  for (let frame = first; frame <= last; frame += step) {
    const cmd = command.replace(PLACEHOLDER, (_m, pad?: string) => (pad ? String(frame).padStart(Number(pad), '0') : String(frame)));
    jobs.push({ title: `${title} frame ${frame}`, command: cmd });
  }
  return { jobs };
}
