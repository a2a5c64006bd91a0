/** Hub and node processes for devnets and end-to-end tests: real `w3ai hub start` / `w3ai node start` children. */
import { join } from 'node:path'
import type { Gpu } from '@w3ai/protocol'
import { W3aiChild } from './child.js'
import { LOGS_DIR } from './constants.js'

export interface ProcessCommon {
  /** Detached children outlive this process; their output still goes to the log file. */
  detached?: boolean
  /** Extra environment on top of this process's. */
  env?: NodeJS.ProcessEnv
  /** Where stdout and stderr go (appended). */
  logFile?: string
  /** pino level for the child (default: W3AI_LOG_LEVEL, else info). */
  logLevel?: string
  /** Called after each successful restart (the devnet kit rewrites devnet.json with the new pid). */
  onRestart?: () => Promise<void> | void
}

export interface HubProcessOptions extends ProcessCommon {
  /** Hub home: PGlite data under `<home>/hub/db`; logs under `<home>/logs/hub.log` by default. */
  home: string
  /** 0 picks a free port; restarts keep the port the first start got. Default 0. */
  port?: number
  host?: string
  databaseUrl?: string
  /** The network key file (`--network-key-file`): hubs sharing one database need the same one. */
  networkKeyFile?: string
  /** The URL other hubs give nodes for this hub (`--public-url`). */
  publicUrl?: string
}

export interface HubProcess {
  readonly url: string
  readonly pid: number
  readonly home: string
  readonly logFile: string
  readonly alive: boolean
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>
  kill(signal?: NodeJS.Signals): void
  /** Stops if needed, then starts again on the same port and home. */
  restart(): Promise<void>
  waitExit(): Promise<void>
}

export interface NodeProcessOptions extends ProcessCommon {
  hubUrl: string
  /** Node home: its identity (so its id) lives here. */
  home: string
  name?: string
  cpu?: number
  memoryGb?: number
  diskGb?: number
  gpus?: Gpu[]
  location?: { lat: number; lon: number }
  region?: string
  city?: string
  /** Port of the node's HTTP endpoint (default 0: a free one, new on each restart). */
  port?: number
}

export interface NodeProcess {
  readonly id: string
  readonly url: string
  readonly pid: number
  readonly home: string
  readonly logFile: string
  readonly alive: boolean
  stop(): Promise<void>
  kill(signal?: NodeJS.Signals): void
  /** Stops if needed, then starts again with the same home (so the same id). */
  restart(): Promise<void>
  waitExit(): Promise<void>
}

function logArgs(level: string | undefined): string[] {
  return level === undefined ? [] : ['--log-level', level]
}

export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  let port = options.port ?? 0
  const logFile = options.logFile ?? join(options.home, LOGS_DIR, 'hub.log')
  const child = new W3aiChild<{ url: string }>({
    name: 'hub',
    logFile,
    detached: options.detached ?? false,
    env: options.env,
    args: () => [
      'hub', 'start', '--home', options.home, '--port', String(port),
      ...(options.host === undefined ? [] : ['--host', options.host]),
      ...(options.databaseUrl === undefined ? [] : ['--database-url', options.databaseUrl]),
      ...(options.networkKeyFile === undefined ? [] : ['--network-key-file', options.networkKeyFile]),
      ...(options.publicUrl === undefined ? [] : ['--public-url', options.publicUrl]),
      ...logArgs(options.logLevel),
    ],
  })
  const ready = await child.start()
  port = Number(new URL(ready.url).port)
  const url = ready.url.replace(/\/+$/, '')
  return Object.assign(new ChildHandle(child, options.home, logFile, options.onRestart), { url })
}

/** What every started process offers: its pid and life, stop, kill, restart, wait. */
class ChildHandle<R extends object> {
  constructor(
    protected readonly child: W3aiChild<R>,
    readonly home: string,
    readonly logFile: string,
    private readonly onRestart: (() => Promise<void> | void) | undefined,
  ) {}

  get pid(): number {
    return this.child.pid
  }

  get alive(): boolean {
    return this.child.alive
  }

  readonly stop = (): Promise<void> => this.child.stop()
  readonly kill = (signal?: NodeJS.Signals): void => this.child.kill(signal)
  readonly restart = async (): Promise<void> => {
    await this.child.restart()
    await this.onRestart?.()
  }
  readonly waitExit = (): Promise<void> => this.child.waitExit()
}

/** A node's id and URL come from its ready line, which changes on restart. */
class NodeHandle extends ChildHandle<{ id: string; url: string }> {
  get id(): string {
    return (this.child.ready as { id: string; url: string }).id
  }

  get url(): string {
    return (this.child.ready as { id: string; url: string }).url
  }
}

export function nodeArgs(o: NodeProcessOptions): string[] {
  const args = ['node', 'start', '--hub', o.hubUrl, '--home', o.home]
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(`${flag}=${value}`)
  }
  add('--name', o.name)
  add('--cpu', o.cpu)
  add('--memory', o.memoryGb)
  add('--disk', o.diskGb)
  add('--location', o.location === undefined ? undefined : `${o.location.lat},${o.location.lon}`)
  add('--region', o.region)
  add('--city', o.city)
  add('--port', o.port)
  for (const g of o.gpus ?? []) add('--gpu', `${g.model}:${g.memoryGb}`)
  return [...args, ...logArgs(o.logLevel)]
}

export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  const logFile = options.logFile ?? join(options.home, 'node.log')
  const child = new W3aiChild<{ id: string; url: string }>({
    name: options.name ?? 'node',
    logFile,
    detached: options.detached ?? false,
    env: options.env,
    args: () => nodeArgs(options),
  })
  await child.start()
  return new NodeHandle(child, options.home, logFile, options.onRestart)
}
