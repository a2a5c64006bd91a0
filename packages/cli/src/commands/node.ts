/** `w3ai node start`: runs a node agent in the foreground until SIGINT/SIGTERM. */
import { join } from 'node:path'
import type { Command } from 'commander'
import type { Executor, Gpu } from '@w3ai/protocol'
import { parseCpu, parseDisk, parseExecutors, parseGpu, parseHost, parseLocation, parseLogLevel, parseMemory, parseName, parsePort, parseRegion, parseUrl } from '../args.js'
import { hubUrlOf, homeOf, type CommonFlags } from '../context.js'
import { printReady, untilStopRequested } from '../lifecycle.js'
import { explainListenError, withCommon } from './common.js'
import { logLevelOf } from './hub.js'
import { registerNodeDatasetCommands } from './node-dataset.js'
import { restrictUmask } from '../child.js'

interface NodeStartFlags extends CommonFlags {
  cpu?: number
  memory?: number
  disk?: number
  location?: { lat: number; lon: number }
  region?: string
  city?: string
  gpu?: Gpu[]
  executors?: Executor[]
  port?: number
  host?: string
  name?: string
  logLevel?: string | false
}

/** `URL1,URL2,…`: the hubs of one network, tried in order (each checked like --hub). */
function parseHubList(flag: string): (value: string) => string {
  return (value) => value.split(',').map((u) => u.trim()).filter((u) => u !== '').map(parseUrl(flag)).join(',')
}

/** --hub, else W3AI_HUB (both may list several hubs), else the devnet's hub. */
async function hubsOf(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const raw = flags.hub ?? (env.W3AI_HUB === '' ? undefined : env.W3AI_HUB)
  const list = raw === undefined ? await hubUrlOf(flags, env) : parseHubList(flags.hub === undefined ? 'W3AI_HUB' : '--hub')(raw)
  return list.split(',')
}

export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('run a node agent')
  const start = withCommon(node.command('start'))
  // A node may take several hubs of one network and fails over between them.
  const hubOption = start.options.find((o) => o.long === '--hub')
  hubOption?.argParser(parseHubList('--hub'))
  if (hubOption !== undefined) hubOption.description = 'hub URL, or several comma-separated to fail over between (default: $W3AI_HUB, else the devnet recorded in the home)'
  start
    .description('run a node agent in the foreground (stops on Ctrl-C / SIGTERM); --home is the node\'s own home (default <W3AI_HOME or ~/.w3ai>/node); prints `W3AI_READY {"id","url"}` once serving')
    .option('--cpu <cores>', 'CPU cores offered (default: all)', parseCpu)
    .option('--memory <gb>', 'memory offered in GB (default: all)', parseMemory)
    .option('--disk <gb>', 'disk offered in GB (default: free space of the home)', parseDisk)
    .option('--location <lat,lon>', 'position, e.g. 48.85,2.35', parseLocation)
    .option('--region <name>', 'region, e.g. eu-west (default local)', parseRegion)
    .option('--city <name>', 'city shown on the map', parseName('--city'))
    .option('--gpu <model:gb>', 'declare a GPU, repeatable, e.g. "NVIDIA RTX 4090:24"', parseGpu)
    .option('--executors <list>', 'comma list of executors (default onnx,train,wasm)', parseExecutors)
    .option('--port <port>', 'port of the node HTTP endpoint (default 0: a free one)', parsePort)
    .option('--host <host>', 'address to bind (default 127.0.0.1)', parseHost)
    .option('--name <name>', 'display name (default: the node id)', parseName('--name'))
    .option('--log-level <level>', 'log level or silent (default: $W3AI_LOG_LEVEL, else info)', parseLogLevel)
    .action(async (flags: NodeStartFlags) => {
      // Pieces, results and logs are this user's alone (issue 8 A2).
      restrictUmask()
      const hubs = await hubsOf(flags)
      const home = flags.home === undefined ? join(homeOf(flags), 'node') : homeOf(flags)
      const stopRequested = untilStopRequested()
      const { createNodeAgent } = await import('@w3ai/node')
      const agent = createNodeAgent({
        home,
        hubs,
        logLevel: logLevelOf(flags.logLevel),
        ...(flags.host === undefined ? {} : { host: flags.host }),
        ...(flags.port === undefined ? {} : { port: flags.port }),
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.cpu === undefined ? {} : { cpu: flags.cpu }),
        ...(flags.memory === undefined ? {} : { memoryGb: flags.memory }),
        ...(flags.disk === undefined ? {} : { diskGb: flags.disk }),
        ...(flags.gpu === undefined ? {} : { gpus: flags.gpu }),
        ...(flags.executors === undefined ? {} : { executors: flags.executors }),
        ...(flags.location === undefined ? {} : { location: flags.location }),
        ...(flags.region === undefined ? {} : { region: flags.region }),
        ...(flags.city === undefined ? {} : { city: flags.city }),
      })
      await agent.start().catch((err: unknown) => {
        throw explainListenError(err, flags.port ?? 0)
      })
      printReady({ id: agent.id, url: agent.url, pid: process.pid })
      await stopRequested
      await agent.stop()
    })
  registerNodeDatasetCommands(node)
}
