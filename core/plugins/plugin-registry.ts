import type { CloudProvider, SetupWizard } from '../plugin-api.ts';

interface Owned<T> {
  plugin: string;
  item: T;
}

/**
 * What active plugins have registered: the scaler asks it for providers by name, the HTTP
 * API for wizards by id. Names are unique across plugins; a second registration under a
 * taken name throws (the plugin's activation then fails).
 */
export class PluginRegistry {
  private readonly providersByName = new Map<string, Owned<CloudProvider>>();
  private readonly wizardsById = new Map<string, Owned<SetupWizard>>();

  addProvider(plugin: string, provider: CloudProvider): () => void {
    return claim(this.providersByName, 'cloud provider', 'name', provider?.name, plugin, provider);
  }

  addWizard(plugin: string, wizard: SetupWizard): () => void {
    return claim(this.wizardsById, 'setup wizard', 'id', wizard?.id, plugin, wizard);
  }

  provider(name: string): CloudProvider | undefined {
    return this.providersByName.get(name)?.item;
  }

  providers(): Array<{ plugin: string; provider: CloudProvider }> {
    return [...this.providersByName.values()].map((e) => ({ plugin: e.plugin, provider: e.item }));
  }

  wizard(id: string): SetupWizard | undefined {
    return this.wizardsById.get(id)?.item;
  }

  wizards(): Array<{ plugin: string; wizard: SetupWizard }> {
    return [...this.wizardsById.values()].map((e) => ({ plugin: e.plugin, wizard: e.item }));
  }

  providerNamesOf(plugin: string): string[] {
    return [...this.providersByName.values()].filter((e) => e.plugin === plugin).map((e) => e.item.name);
  }

  wizardIdsOf(plugin: string): string[] {
    return [...this.wizardsById.values()].filter((e) => e.plugin === plugin).map((e) => e.item.id);
  }
}

/** Registers `item` under `key` unless the key is empty or taken; returns how to take it back. */
function claim<T>(map: Map<string, Owned<T>>, kind: string, keyName: string, key: unknown, plugin: string, item: T): () => void {
  if (typeof key !== 'string' || key === '') throw new Error(`a ${kind} needs a non-empty ${keyName}`);
  const taken = map.get(key);
  if (taken) throw new Error(`${kind} "${key}" is already registered by plugin "${taken.plugin}"`);
  const entry = { plugin, item };
  map.set(key, entry);
  return () => {
    if (map.get(key) === entry) map.delete(key);
  };
}
