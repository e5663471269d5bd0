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
    if (typeof provider?.name !== 'string' || provider.name === '') throw new Error('a cloud provider needs a non-empty name');
    const taken = this.providersByName.get(provider.name);
    if (taken) throw new Error(`cloud provider "${provider.name}" is already registered by plugin "${taken.plugin}"`);
    const entry = { plugin, item: provider };
    this.providersByName.set(provider.name, entry);
    return () => {
      if (this.providersByName.get(provider.name) === entry) this.providersByName.delete(provider.name);
    };
  }

  addWizard(plugin: string, wizard: SetupWizard): () => void {
    if (typeof wizard?.id !== 'string' || wizard.id === '') throw new Error('a setup wizard needs a non-empty id');
    const taken = this.wizardsById.get(wizard.id);
    if (taken) throw new Error(`setup wizard "${wizard.id}" is already registered by plugin "${taken.plugin}"`);
    const entry = { plugin, item: wizard };
    this.wizardsById.set(wizard.id, entry);
    return () => {
      if (this.wizardsById.get(wizard.id) === entry) this.wizardsById.delete(wizard.id);
    };
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
