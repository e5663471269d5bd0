/** The longest delay node's timers take: a longer one overflows and fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `setTimeout` for any delay (a job timeout of 25 days or more used to kill the job 1 ms after
 * it started): waits in steps no timer overflows on.
 */
export function setLongTimeout(fire: () => void, ms: number): { clear(): void } {
  let left = ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => {
      left -= step;
      if (left > 0) arm();
      else fire();
    }, step);
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
