/**
 * Looks for a cycle in a "waits for" graph reachable from `start` (iterative depth-first
 * search, so a deep chain cannot overflow the stack). Returns the cycle, first node repeated
 * at the end, or undefined.
 */
export function findWaitCycle(start: readonly number[], waitsFor: (id: number) => number[]): number[] | undefined {
  const color = new Map<number, 1 | 2>(); // 1 = on the path, 2 = done
  const path: number[] = [];
  for (const s of start) {
    if (color.get(s) === 2) continue;
    const stack: Array<{ id: number; next: number[]; i: number }> = [{ id: s, next: waitsFor(s), i: 0 }];
    color.set(s, 1);
    path.push(s);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i >= top.next.length) {
        color.set(top.id, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const n = top.next[top.i++];
      const c = color.get(n);
      if (c === 1) return [...path.slice(path.indexOf(n)), n];
      if (c === 2) continue;
      color.set(n, 1);
      path.push(n);
      stack.push({ id: n, next: waitsFor(n), i: 0 });
    }
  }
  return undefined;
}
