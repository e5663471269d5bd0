/** The e2e suite drives the built UI: build renderer/dist first when it is missing or stale. */
import { ensureUi } from '../../headless/ensure-ui.ts';

export default async function setup(): Promise<void> {
  await ensureUi();
}
