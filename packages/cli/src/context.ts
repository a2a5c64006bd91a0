/** What every command resolves first: the home, the hub URL, and the output mode. */
import { readIdentity, resolveHome, type Identity } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import { HubClient, type HubClientOptions } from '@w3ai/sdk'
import { parseUrl } from './args.js'
import { devnetFilePath, readDevnetFile } from './devnet-file.js'

export interface CommonFlags {
  home?: string
  hub?: string
  json?: boolean
}

export function homeOf(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): string {
  return resolveHome(flags.home, env)
}

/** `--hub`, else W3AI_HUB, else the hub of `<home>/devnet.json`, else DEVNET_NOT_FOUND. */
export async function hubUrlOf(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (flags.hub !== undefined) return flags.hub
  const fromEnv = env.W3AI_HUB
  if (fromEnv !== undefined && fromEnv !== '') return parseUrl('W3AI_HUB')(fromEnv)
  const home = homeOf(flags, env)
  const devnet = await readDevnetFile(home)
  if (devnet === undefined) {
    throw new W3aiError('DEVNET_NOT_FOUND', `No devnet is recorded at ${devnetFilePath(home)}; start one with \`w3ai up\`, or pass --hub URL or set W3AI_HUB.`)
  }
  return devnet.hub.url
}

/** The identity must be an account's: a node's home holds a node identity. */
export function asAccountIdentity(identity: Identity, home: string): Identity {
  if (identity.kind !== 'account') {
    throw new W3aiError('CLI_BAD_ARGUMENT', `The identity in ${home} belongs to a node, not an account; use another --home.`)
  }
  return identity
}

/** `<home>/identity.json` as an account identity, else IDENTITY_NOT_FOUND. */
export async function accountIdentityOf(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): Promise<Identity> {
  const home = homeOf(flags, env)
  const identity = await readIdentity(home)
  if (identity === undefined) throw new W3aiError('IDENTITY_NOT_FOUND', `No identity in ${home}; run \`w3ai account create\`.`)
  return asAccountIdentity(identity, home)
}

/** Notes on stderr (none with --json) while the hub is unreachable and a request is retried. */
export function unreachableNote(flags: CommonFlags): (error: unknown, delayMs: number) => void {
  return (error, delayMs) => {
    if (flags.json === true) return
    const reason = error instanceof Error ? error.message : String(error)
    process.stderr.write(`${reason} Trying again in ${(delayMs / 1000).toFixed(1)} s.\n`)
  }
}

/** The hub client of a command: the hub of `flags`, signing as `identity`, retrying through a brief outage. */
export async function hubClientOf(flags: CommonFlags, identity?: Identity, options: Omit<HubClientOptions, 'url' | 'identity'> = {}): Promise<HubClient> {
  const note = unreachableNote(flags)
  return new HubClient({
    url: await hubUrlOf(flags),
    ...(identity === undefined ? {} : { identity }),
    ...options,
    retry: { onRetry: (err, _retry, delayMs) => note(err, delayMs) },
    // A hub that never answered is likelier stopped than restarting: say HUB_UNREACHABLE at once.
    retryBeforeFirstAnswer: false,
  })
}
