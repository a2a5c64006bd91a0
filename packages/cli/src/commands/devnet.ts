/** `w3ai up` and `w3ai down`: a whole network of local processes under one home. */
import type { Command } from 'commander'
import cliProgress from 'cli-progress'
import { W3aiError } from '@w3ai/protocol'
import { parseLogLevel, parseNodeCount, parsePort } from '../args.js'
import { DEFAULT_NODES, DEFAULT_PORT, STOP_TIMEOUT_MS } from '../constants.js'
import { homeOf, type CommonFlags } from '../context.js'
import { readDevnetFile, removeDevnetFile, devnetFilePath, assertNoRunningDevnet } from '../devnet-file.js'
import { startDevnet, type DevnetProgress } from '../devnet.js'
import { untilStopRequested } from '../lifecycle.js'
import { createOut, table, type Out } from '../output.js'
import { stopPid, type StopResult } from '../pids.js'
import { withCommon } from './common.js'

interface UpFlags extends CommonFlags {
  nodes?: number
  port?: number
  detach?: boolean
  logLevel?: string | false
}

/** A bar on a terminal, plain lines elsewhere (logs, CI), nothing with --json. */
function progressReporter(out: Out, total: number): { onProgress: (e: DevnetProgress) => void; done: () => void } {
  const tty = !out.json && process.stderr.isTTY === true
  const bar = tty
    ? new cliProgress.SingleBar({ format: 'nodes started {started}/{total}, online [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined
  let started = 0
  return {
    onProgress(e) {
      if (e.phase === 'hub') {
        out.note(`hub ready at ${e.url}`)
        bar?.start(total, 0, { started })
      } else if (e.phase === 'node') {
        started++
        bar?.update({ started })
      } else if (e.phase === 'online') {
        if (bar !== undefined) bar.update(e.online)
        else out.note(`${e.online}/${e.total} nodes online`)
      }
    },
    done: () => bar?.stop(),
  }
}

export function registerDevnetCommands(program: Command): void {
  withCommon(program.command('up'))
    .description(`start a local network: a hub and N nodes as processes, until Ctrl-C (or --detach); writes <home>/devnet.json`)
    .option('--nodes <n>', `node processes (default ${DEFAULT_NODES})`, parseNodeCount)
    .option('--port <port>', `hub port, 0 for a free one (default ${DEFAULT_PORT})`, parsePort)
    .option('--detach', 'leave the network running in the background; logs go to <home>/logs/')
    .option('--log-level <level>', 'log level of the hub and nodes (default: $W3AI_LOG_LEVEL, else info)', parseLogLevel)
    .action(async (flags: UpFlags) => {
      const out = createOut(flags.json === true)
      const home = homeOf(flags)
      const total = flags.nodes ?? DEFAULT_NODES
      await assertNoRunningDevnet(home)
      // Listen from the start: a Ctrl-C during start-up lets us finish and then stop cleanly.
      let stopRequested = false
      const stop = untilStopRequested().then(() => {
        stopRequested = true
      })
      const progress = progressReporter(out, total)
      let devnet
      try {
        devnet = await startDevnet({
          home,
          nodes: total,
          hubPort: flags.port ?? DEFAULT_PORT,
          detached: flags.detach === true,
          ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel === false ? 'silent' : flags.logLevel }),
          onProgress: progress.onProgress,
        })
      } finally {
        progress.done()
      }
      const summary = devnet.toJSON()
      out.result(summary, () =>
        [
          `devnet up: hub ${summary.hub.url} (pid ${summary.hub.pid}), ${summary.nodes.length} nodes online`,
          `dashboard: ${summary.hub.url}/`,
          `state:     ${devnetFilePath(home)}`,
          flags.detach === true ? `stop with: w3ai down --home ${home}` : 'press Ctrl-C to stop',
        ].join('\n'),
      )
      if (flags.detach === true && !stopRequested) return
      await stop
      out.note('stopping the devnet…')
      await devnet.stop()
      out.note('devnet stopped')
    })

  withCommon(program.command('down'))
    .description('stop the devnet recorded in <home>/devnet.json (SIGTERM, then SIGKILL after a grace period)')
    .action(async (flags: CommonFlags) => {
      const out = createOut(flags.json === true)
      const home = homeOf(flags)
      const devnet = await readDevnetFile(home)
      if (devnet === undefined) throw new W3aiError('DEVNET_NOT_FOUND', `No devnet is recorded at ${devnetFilePath(home)}.`)
      const nodes = await Promise.all(
        devnet.nodes.map(async (n) => ({ name: n.id, pid: n.pid, result: await stopPid(n.pid, STOP_TIMEOUT_MS) })),
      )
      // The hub goes last so nodes can say goodbye to it.
      const hub = { name: 'hub', pid: devnet.hub.pid, result: await stopPid(devnet.hub.pid, STOP_TIMEOUT_MS) }
      await removeDevnetFile(home)
      const stopped: Array<{ name: string; pid: number; result: StopResult }> = [hub, ...nodes]
      out.result({ stopped }, () => table(['PROCESS', 'PID', 'RESULT'], stopped.map((s) => [s.name, String(s.pid), s.result])))
    })
}
