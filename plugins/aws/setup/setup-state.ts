import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Kinds of things the wizard creates, each deleted its own way by the teardown. */
export type ResourceKind =
  | 'vpc' | 'internet-gateway' | 'igw-attachment' | 'subnet' | 'route-table' | 'route-table-association'
  | 'security-group' | 'sg-rule' | 'bucket' | 's3-object' | 'iam-role' | 'iam-role-policy'
  | 'instance-profile' | 'instance-profile-role' | 'settings-file' | 'file';

export interface CreatedResource {
  kind: ResourceKind;
  /** The AWS id (or name, key, path) the teardown deletes it by. */
  id: string;
  /** What it hangs off: the VPC of an attachment, the group of a rule, the bucket of a key, … */
  parent?: string;
  name?: string;
  region?: string;
}

export interface SetupState {
  version: 1;
  farmId: string;
  /** Ids and answers later steps and the saved settings need (never a secret). */
  values: Record<string, string>;
  /** What the wizard created, oldest first. */
  created: CreatedResource[];
}

/**
 * What the wizard created, kept in `dataDir/plugins/aws/setup-state.json` so a second run
 * reuses it and the teardown deletes exactly that. Written after every creation.
 */
export class SetupStateStore {
  private state: SetupState;

  constructor(private readonly file: string, farmId: string) {
    this.state = { version: 1, farmId, values: {}, created: [] };
    try {
      const loaded = JSON.parse(readFileSync(file, 'utf8')) as SetupState;
      if (loaded.version === 1 && loaded.farmId === farmId) this.state = loaded;
    } catch {
      // No state yet: nothing created.
    }
  }

  get values(): Readonly<Record<string, string>> {
    return this.state.values;
  }

  get created(): readonly CreatedResource[] {
    return this.state.created;
  }

  has(kind: ResourceKind, id: string): boolean {
    return this.state.created.some((r) => r.kind === kind && r.id === id);
  }

  record(resource: CreatedResource): void {
    if (!this.has(resource.kind, resource.id)) this.state.created.push(resource);
    this.save();
  }

  forget(kind: ResourceKind, id: string): void {
    this.state.created = this.state.created.filter((r) => !(r.kind === kind && r.id === id));
    this.save();
  }

  setValues(values: Record<string, string | undefined>): void {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete this.state.values[k];
      else this.state.values[k] = v;
    }
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
