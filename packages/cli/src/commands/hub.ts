/** `w3ai hub start`: runs a hub in the foreground until SIGINT/SIGTERM. */
import type { Command } from 'commander'
import { badArgument, parseHost, parseLogLevel, parsePort } from '../args.js'
import { DEFAULT_LOG_LEVEL, DEFAULT_PORT, LOG_LEVEL_ENV } from '../constants.js'
import { homeOf, type CommonFlags } from '../context.js'
import { printReady, untilStopRequested } from '../lifecycle.js'
import { explainListenError, withCommon } from './common.js'

interface HubStartFlags extends CommonFlags {
  port?: number
  host?: string
  databaseUrl?: string
  logLevel?: string | false
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
    .option('--log-level <level>', `log level or silent (default: $${LOG_LEVEL_ENV}, else ${DEFAULT_LOG_LEVEL})`, parseLogLevel)
    .action(async (flags: HubStartFlags) => {
      const envDb = process.env.DATABASE_URL
      const databaseUrl = flags.databaseUrl ?? (envDb === undefined || envDb === '' ? undefined : parseDatabaseUrl(envDb))
      const stopRequested = untilStopRequested()
      const { createHub } = await import('@w3ai/hub')
      const instance = createHub({
        home: homeOf(flags),
        port: flags.port ?? DEFAULT_PORT,
        ...(flags.host === undefined ? {} : { host: flags.host }),
        ...(databaseUrl === undefined ? {} : { databaseUrl }),
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
