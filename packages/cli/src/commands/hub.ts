/** `w3ai hub start`: runs a hub in the foreground until SIGINT/SIGTERM. */
import type { Command } from 'commander'
import { badArgument, parseHost, parseLogLevel, parsePort, parseUrl } from '../args.js'
import { restrictUmask } from '../child.js'
import { DEFAULT_LOG_LEVEL, DEFAULT_PORT, LOG_LEVEL_ENV } from '../constants.js'
import { homeOf, type CommonFlags } from '../context.js'
import { printReady, untilStopRequested } from '../lifecycle.js'
import { explainListenError, withCommon } from './common.js'

interface HubStartFlags extends CommonFlags {
  port?: number
  host?: string
  databaseUrl?: string
  networkKeyFile?: string
  publicUrl?: string
  logLevel?: string | false
}

function parseKeyFile(value: string): string {
  if (value.trim() === '' || value.endsWith('/')) throw badArgument('--network-key-file', value, 'a file path')
  return value
}

function parseDatabaseUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/\S+$/.test(value)) throw badArgument('--database-url', value, 'a postgres:// or postgresql:// URL')
  return value
}

export function logLevelOf(flag: string | false | undefined, env: NodeJS.ProcessEnv = process.env): string | false {
  if (flag !== undefined) return flag
  const fromEnv = env[LOG_LEVEL_ENV]
  return fromEnv === undefined || fromEnv === '' ? DEFAULT_LOG_LEVEL : parseLogLevel(fromEnv)
}

export function registerHubCommands(program: Command): void {
  const hub = program.command('hub').description('run a hub')
  withCommon(hub.command('start'))
    .description('run a hub in the foreground (stops on Ctrl-C / SIGTERM); prints `W3AI_READY {"url"}` once serving')
    .option('--port <port>', `TCP port, 0 for a free one (default ${DEFAULT_PORT})`, parsePort)
    .option('--host <host>', 'address to bind (default 127.0.0.1)', parseHost)
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else embedded PGlite under <home>/hub/db)', parseDatabaseUrl)
    .option('--network-key-file <path>', 'file with the network\'s order-signing key, mode 0600, created on first start; give every hub of one database a copy of the same file (default: $W3AI_NETWORK_KEY_FILE, else <home>/hub/network-key.json)', parseKeyFile)
    .option('--public-url <url>', 'URL of this hub that the other hubs give to nodes (default: $W3AI_PUBLIC_URL, else the bound URL)', parseUrl('--public-url'))
    .option('--log-level <level>', `log level or silent (default: $${LOG_LEVEL_ENV}, else ${DEFAULT_LOG_LEVEL})`, parseLogLevel)
    .action(async (flags: HubStartFlags) => {
      // The database, the network key and logs are this user's alone (issue 8 A2).
      restrictUmask()
      const envDb = process.env.DATABASE_URL
      const databaseUrl = flags.databaseUrl ?? (envDb === undefined || envDb === '' ? undefined : parseDatabaseUrl(envDb))
      const stopRequested = untilStopRequested()
      const { createHub } = await import('@w3ai/hub')
      const instance = createHub({
        home: homeOf(flags),
        port: flags.port ?? DEFAULT_PORT,
        ...(flags.host === undefined ? {} : { host: flags.host }),
        ...(databaseUrl === undefined ? {} : { databaseUrl }),
        ...(flags.networkKeyFile === undefined ? {} : { networkKeyFile: flags.networkKeyFile }),
        ...(flags.publicUrl === undefined ? {} : { publicUrl: flags.publicUrl }),
        logLevel: logLevelOf(flags.logLevel),
      })
      await instance.start().catch((err: unknown) => {
        throw explainListenError(err, flags.port ?? DEFAULT_PORT)
      })
      printReady({ url: instance.url, hubId: instance.hubId, pid: process.pid })
      await stopRequested
      await instance.stop()
    })
}
