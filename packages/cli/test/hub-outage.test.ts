import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateIdentity, writeIdentity } from '@w3ai/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

/** A stand-in hub: `answer` gets each request (numbered from 1) and answers, or hangs up with undefined. */
async function flakyHub(answer: (method: string, url: string, n: number) => [number, unknown] | undefined): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = []
  const server: Server = createServer((req, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`)
      const a = answer(req.method ?? '', req.url ?? '', seen.length)
      if (a === undefined) return void res.socket?.destroy()
      const text = JSON.stringify(a[1])
      res.writeHead(a[0], { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

describe('the CLI through a brief hub outage', () => {
  it('`nodes` retries a dropped connection and says so on stderr', async () => {
    const hub = await flakyHub((_m, _u, n) => (n <= 2 ? undefined : [200, { nodes: [], nextCursor: null }]))
    const home = await tempHome()
    cleanups.push(home.remove)
    const r = await w3aiInProcess(['nodes', '--hub', hub.url, '--home', home.path])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('no nodes')
    expect(r.stderr).toMatch(/could not be reached .*Trying again/)
    expect(hub.seen).toHaveLength(3)
  })

  it('`job run --wait` keeps following the job while the hub drops connections', async () => {
    const job = (status: string) => ({ id: 'j_1', executor: 'wasm', status, history: [], replicas: 1, result: status === 'succeeded' ? { ok: true } : null })
    const hub = await flakyHub((method, url, n) => {
      if (method === 'POST' && url === '/v1/jobs') return [201, job('queued')]
      return n >= 3 && n <= 5 ? undefined : [200, job(n < 3 ? 'running' : 'succeeded')]
    })
    const home = await tempHome()
    cleanups.push(home.remove)
    await writeIdentity(home.path, generateIdentity('account'))
    const r = await w3aiInProcess(['job', 'run', 'wasm', '--module', CID, '--input', CID, '--wait', '--json', '--hub', hub.url, '--home', home.path])
    expect(r.code).toBe(0)
    expect(parseJson<{ status: string }>(r.stdout).status).toBe('succeeded')
    expect(hub.seen.filter((s) => s.startsWith('POST'))).toHaveLength(1)
    expect(hub.seen.length).toBeGreaterThanOrEqual(6)
  })
})
