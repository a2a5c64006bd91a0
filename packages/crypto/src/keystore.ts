/**
 * Identities kept as files under the w3ai home: `<home>/identity.json` (mode 0600). The home is
 * `--home DIR`, else `W3AI_HOME`, else `~/.w3ai`.
 */
import { mkdir, readFile, rename, writeFile, chmod } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import { generateIdentity, identityFromFile, identityToFile, type Identity, type IdentityFile, type IdentityKind } from './identity.js'

export const IDENTITY_FILE = 'identity.json'

export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag)
  const fromEnv = env.W3AI_HOME
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  return join(homedir(), '.w3ai')
}

export async function readIdentity(home: string): Promise<Identity | undefined> {
  return readIdentityFile(join(home, IDENTITY_FILE))
}

/** An identity file at `path`; undefined when there is none, IDENTITY_CORRUPT when it cannot be read. */
export async function readIdentityFile(path: string): Promise<Identity | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return identityFromFile(JSON.parse(text) as IdentityFile)
  } catch (err) {
    throw new W3aiError('IDENTITY_CORRUPT', `The identity file ${path} cannot be read: ${(err as Error).message}`)
  }
}

export async function writeIdentity(home: string, identity: Identity): Promise<string> {
  const path = join(home, IDENTITY_FILE)
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(identityToFile(identity), null, 2) + '\n', { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
  return path
}

/** Loads the identity in `home`, creating one of `kind` when there is none. */
export async function loadOrCreateIdentity(home: string, kind: IdentityKind): Promise<{ identity: Identity; created: boolean }> {
  const existing = await readIdentity(home)
  if (existing !== undefined) return { identity: existing, created: false }
  const identity = generateIdentity(kind)
  await writeIdentity(home, identity)
  return { identity, created: true }
}
