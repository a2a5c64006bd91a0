/**
 * `--quote` on `w3ai job run`, `w3ai storage put` and `w3ai model serve` against a hub in this
 * process with billing on: the price the hub quotes is printed (as JSON and for people) and
 * nothing is submitted, uploaded or deployed; no identity is needed to ask.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHub, type Hub } from '@w3ai/hub'
import { formatTokens } from '@w3ai/ledger'
import type { Quote } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('w3ai --quote', () => {
  let hub: Hub
  let home: Awaited<ReturnType<typeof tempHome>>
  const cli = (...args: string[]) => w3aiInProcess([...args, '--home', home.path, '--hub', hub.url])

  beforeAll(async () => {
    home = await tempHome('w3ai-quote-')
    hub = createHub({ home: join(home.path, 'hub'), port: 0, host: '127.0.0.1', logLevel: false, env: {}, billing: { enabled: true, taskSeconds: 60 } })
    await hub.start()
  }, 60_000)

  afterAll(async () => {
    await hub?.stop()
    await home?.remove()
  }, 30_000)

  it('prints the most a job can cost and submits nothing', async () => {
    const p = await hub.parameters.all()
    const r = await cli('job', 'run', 'wasm', '--module', CID, '--input', CID, '--verify', '2', '--quote', '--json')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const q = parseJson<Quote>(r.stdout)
    // No node online: the governed maximum price, 2 replicas + 2 tie-breakers, for the time limit.
    expect(q).toMatchObject({ kind: 'job', billing: true, breakdown: { replicas: 2, tieBreakers: 2, limitSeconds: 60, resourceClass: 'cpu' } })
    expect(BigInt(q.amount)).toBe(p.computePricePerTaskSecondCpuMax * 60n * 4n)
    const human = await cli('job', 'run', 'wasm', '--module', CID, '--input', CID, '--quote')
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(`at most ${formatTokens(BigInt(q.amount))} tokens`)
    expect(human.stdout).toMatch(/^fee {8}5%/m)
  })

  it('prices an upload from the file size and a deployment per call, uploading and deploying nothing', async () => {
    const file = join(home.path, 'data.bin')
    await writeFile(file, Buffer.alloc(3000, 1))
    const upload = parseJson<Quote>((await cli('storage', 'put', file, '--redundancy', '2/4', '--quote', '--json')).stdout)
    expect(upload).toMatchObject({ kind: 'upload', breakdown: { storedBytes: 6000, redundancy: { k: 2, n: 4 } } })
    const serve = await cli('model', 'serve', CID, '--quote')
    expect(serve.code, serve.stdout + serve.stderr).toBe(0)
    expect(serve.stdout).toContain('1 call(s) ×')
    const bad = await cli('model', 'serve', 'not-a-cid', '--quote', '--json')
    expect(bad.code).not.toBe(0)
    expect(parseJson<{ error: { code: string } }>(bad.stdout).error.code).toBe('STORAGE_BAD_CID')
  })
})
