/**
 * @w3ai/cli: the `w3ai` command, and the devnet testing kit other packages use for end-to-end
 * tests (real hub and node processes under a temporary home).
 *
 * ```ts
 * import { startDevnet } from '@w3ai/cli'
 * const devnet = await startDevnet({ home: tmpHome, nodes: 3, hubPort: 0 })
 * const { nodes } = await devnet.client.listNodes({ status: 'online' })
 * await devnet.stop()
 * ```
 */
export { main, buildProgram, VERSION } from './main.js'
export { startDevnet, devnetNodeOptions, machineShare, waitForStatus, type Devnet, type DevnetOptions, type DevnetProgress, type MachineShare } from './devnet.js'
export {
  startHubProcess,
  startNodeProcess,
  type HubProcess,
  type HubProcessOptions,
  type NodeProcess,
  type NodeProcessOptions,
} from './processes.js'
export { readDevnetFile, devnetFilePath, type DevnetFile } from './devnet-file.js'
export { CITIES, cityFor, type City } from './cities.js'
export { W3AI_BIN } from './child.js'
export * from './constants.js'
