/** `<home>/devnet.json`: where a running devnet's hub and nodes are, for other commands and tools. */
import { chmod, readFile, rm, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import { DEVNET_FILE } from './constants.js'
import { isLiveW3ai } from './pids.js'

export interface DevnetFile {
  hub: { url: string; pid: number }
  nodes: Array<{ id: string; pid: number; url: string; home: string }>
}

export function devnetFilePath(home: string): string {
  return join(home, DEVNET_FILE)
}

export async function readDevnetFile(home: string): Promise<DevnetFile | undefined> {
  let text: string
  try {
    text = await readFile(devnetFilePath(home), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    const parsed = JSON.parse(text) as DevnetFile
    if (typeof parsed.hub?.url !== 'string' || !Array.isArray(parsed.nodes)) throw new Error('missing hub or nodes')
    return parsed
  } catch (err) {
    throw new W3aiError('DEVNET_NOT_FOUND', `${devnetFilePath(home)} is not a devnet file (${(err as Error).message}); remove it and start again.`)
  }
}

export async function writeDevnetFile(home: string, devnet: DevnetFile): Promise<void> {
  const path = devnetFilePath(home)
  const tmp = `${path}.${process.pid}.tmp`
  const exact: DevnetFile = {
    hub: { url: devnet.hub.url, pid: devnet.hub.pid },
    nodes: devnet.nodes.map((n) => ({ id: n.id, pid: n.pid, url: n.url, home: n.home })),
  }
  await writeFile(tmp, JSON.stringify(exact, null, 2) + '\n', { mode: 0o600 })
  if (process.platform !== 'win32') await chmod(tmp, 0o600) // a stale temporary file may have had another mode
  await rename(tmp, path)
}

export async function removeDevnetFile(home: string): Promise<void> {
  await rm(devnetFilePath(home), { force: true })
}

/** Pids recorded in the file that still run w3ai. */
export function livePids(devnet: DevnetFile): number[] {
  return [devnet.hub.pid, ...devnet.nodes.map((n) => n.pid)].filter((pid) => isLiveW3ai(pid))
}

/** Throws DEVNET_ALREADY_RUNNING when this home's devnet still has live processes. */
export async function assertNoRunningDevnet(home: string): Promise<void> {
  const existing = await readDevnetFile(home).catch(() => undefined)
  if (existing === undefined) return
  const live = livePids(existing)
  if (live.length > 0) {
    throw new W3aiError('DEVNET_ALREADY_RUNNING', `A devnet from ${home} is still running (pids ${live.join(', ')}); stop it with \`w3ai down --home ${home}\`.`)
  }
}
