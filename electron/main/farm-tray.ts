import { Menu, Tray, clipboard, nativeImage } from 'electron';
import type { RunningServer } from '../../core/server.ts';
import { summarizeFarm, summaryLine, type FarmSummary } from './farm-summary.ts';

export interface FarmTrayOptions {
  server: RunningServer;
  icon: string;
  showWindow(): void;
  openDataFolder(): void;
  quit(): void;
  /** Most one refresh per this many ms, however busy the farm (a refresh scans the jobs). */
  refreshMs?: number;
}

/**
 * The tray icon: its tooltip and first menu line say how many jobs wait and run, how many
 * instances are up and what they cost per hour; refreshed when the farm changes.
 */
export class FarmTray {
  readonly tray: Tray;
  private summary: FarmSummary = { waiting: 0, working: 0, instances: 0, perHour: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: FarmTrayOptions) {
    this.tray = new Tray(nativeImage.createFromPath(options.icon));
    this.tray.on('click', () => options.showWindow());
    this.unsubscribe = options.server.farm.onChange(() => this.scheduleRefresh());
    void this.refresh();
  }

  get current(): FarmSummary {
    return { ...this.summary };
  }

  async refresh(): Promise<void> {
    const { farm, cloud } = this.options.server;
    const status = cloud.scaler ? await cloud.scaler.status() : undefined;
    this.summary = summarizeFarm(farm.tree.jobs.values(), (job) => farm.tree.isGroup(job), status);
    const line = summaryLine(this.summary);
    this.tray.setToolTip(`Coalition — ${line}`);
    const { server } = this.options;
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: line, enabled: false },
        { type: 'separator' },
        { label: 'Open Coalition', click: () => this.options.showWindow() },
        { label: 'Open the data folder', click: () => this.options.openDataFolder() },
        ...(server.tokens ? [{ label: 'Copy the worker token', click: () => clipboard.writeText(server.tokens!.worker) }] : []),
        { type: 'separator' },
        { label: 'Quit Coalition', click: () => this.options.quit() },
      ]),
    );
  }

  private scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.options.refreshMs ?? 1000);
  }

  dispose(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.tray.destroy();
  }
}
