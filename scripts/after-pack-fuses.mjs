// electron-builder's afterPack hook (plain JavaScript: it runs at packaging time, uncompiled).
// It flips the Electron fuses of the packed app, before signing:
// - RunAsNode off: the app's executable cannot be run as a plain Node (ELECTRON_RUN_AS_NODE);
// - NODE_OPTIONS and --inspect/--inspect-brk ignored: nobody injects code into the main process;
// - the embedded asar integrity is checked and the app loads only from app.asar.
import { FuseV1Options, FuseVersion } from '@electron/fuses';

export const FUSES = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
};

/** The fuse config for one packed app (macOS arm64 binaries need their ad-hoc signature reset once changed). */
export function fuseConfig(context) {
  const arm64 = 3; // builder-util's Arch.arm64
  return { version: FuseVersion.V1, resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === arm64, ...FUSES };
}

export default async function afterPack(context) {
  // The packager knows where the executable of each platform is (.exe, .app, the Linux name).
  await context.packager.addElectronFuses(context, fuseConfig(context));
}
