import { once } from 'node:events'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createHub, type Hub } from '@w3ai/hub'
import { W3aiError, type DatasetList } from '@w3ai/protocol'
import { HubClient } from '@w3ai/sdk'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DATASETS_FILE, addDataset, createNodeAgent, loadDatasets, removeDataset, type NodeAgent } from '../src/index.js'

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

/** An IDX file: magic, type 0x08 (ubyte), dims, then the values. */
function idx(dims: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length)
  header[2] = 0x08
  header[3] = dims.length
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i))
  return Buffer.concat([header, Buffer.from(values)])
}

describe('local datasets (datasets.json)', () => {
  let dir: string
  let home: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3ai-datasets-'))
    home = join(dir, 'node')
  })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('registers a CSV file by name with its absolute path, schema and row count, readable by the node user only', async () => {
    await writeFile(join(dir, 'a.csv'), 'x1,x2,label\n1,2,0\n3,4,2\n5,6,1\n')
    const entry = await addDataset(home, 'tiny', { format: 'csv', path: join(dir, 'a.csv') })
    expect(entry).toMatchObject({ name: 'tiny', format: 'csv', path: join(dir, 'a.csv'), rows: 3, schema: { features: 2, shape: [2], integerLabels: true, maxLabel: 2 } })
    expect(await loadDatasets(home)).toEqual([entry])
    expect((await stat(join(home, DATASETS_FILE))).mode & 0o777).toBe(0o600)
  })

  it('learns class names of text labels and the label column chosen', async () => {
    await writeFile(join(dir, 'iris.csv'), 'species,a,b\nsetosa,1,2\nvirginica,3,4\nsetosa,5,6\n')
    const entry = await addDataset(home, 'iris', { format: 'csv', path: join(dir, 'iris.csv'), csv: { labelColumn: 'species' } })
    expect(entry.schema).toEqual({ features: 2, shape: [2], labelColumn: 'species', classes: ['setosa', 'virginica'], integerLabels: true })
  })

  it('registers an IDX images and labels pair with the sample shape', async () => {
    await writeFile(join(dir, 'images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])))
    await writeFile(join(dir, 'labels-idx1-ubyte'), idx([3], [7, 1, 4]))
    const entry = await addDataset(home, 'mini-mnist', { format: 'idx', path: join(dir, 'images-idx3-ubyte.gz'), labels: join(dir, 'labels-idx1-ubyte') })
    expect(entry).toMatchObject({ rows: 3, schema: { features: 4, shape: [2, 2], maxLabel: 7, integerLabels: true } })
  })

  it('refuses a taken name, a bad name, a missing or malformed file, and writes nothing then', async () => {
    await writeFile(join(dir, 'a.csv'), '1,2,0\n3,4,1\n')
    await writeFile(join(dir, 'bad.csv'), '1,2,0\n3,oops,1\n')
    await addDataset(home, 'a', { format: 'csv', path: join(dir, 'a.csv') })
    const before = await readFile(join(home, DATASETS_FILE), 'utf8')
    expect(await codeOf(addDataset(home, 'a', { format: 'csv', path: join(dir, 'a.csv') }))).toBe('FL_DATASET_EXISTS')
    expect(await codeOf(addDataset(home, 'has space', { format: 'csv', path: join(dir, 'a.csv') }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(addDataset(home, 'b', { format: 'csv', path: join(dir, 'missing.csv') }))).toBe('FL_DATASET_FILE')
    expect(await codeOf(addDataset(home, 'b', { format: 'csv', path: dir }))).toBe('FL_DATASET_FILE')
    expect(await codeOf(addDataset(home, 'b', { format: 'csv', path: join(dir, 'bad.csv') }))).toBe('COMPUTE_BAD_DATASET')
    expect(await codeOf(addDataset(home, 'b', { format: 'idx', path: join(dir, 'a.csv') }))).toBe('FL_DATASET_FILE')
    expect(await readFile(join(home, DATASETS_FILE), 'utf8')).toBe(before)
  })

  it('removes a dataset by name, leaving the file in place', async () => {
    await writeFile(join(dir, 'a.csv'), '1,2,0\n3,4,1\n')
    await addDataset(home, 'a', { format: 'csv', path: join(dir, 'a.csv') })
    expect((await removeDataset(home, 'a')).name).toBe('a')
    expect(await loadDatasets(home)).toEqual([])
    expect(await codeOf(removeDataset(home, 'a'))).toBe('FL_DATASET_NOT_FOUND')
    expect((await stat(join(dir, 'a.csv'))).isFile()).toBe(true)
  })
})

describe('a running node announces its datasets to the hub', () => {
  let dir: string
  let hub: Hub
  let agent: NodeAgent
  let client: HubClient

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3ai-datasets-hub-'))
    hub = createHub({ home: join(dir, 'hub'), port: 0, logLevel: false, heartbeatIntervalMs: 200 })
    await hub.start()
    client = new HubClient({ url: hub.url })
    await writeFile(join(dir, 'a.csv'), '1,2,0\n3,4,1\n5,6,1\n')
    await addDataset(join(dir, 'node'), 'before-start', { format: 'csv', path: join(dir, 'a.csv') })
    agent = createNodeAgent({ home: join(dir, 'node'), hubUrl: hub.url, logLevel: false, cpu: 1, memoryGb: 1, diskGb: 1, tasks: { enabled: false }, reconnect: { initialMs: 50, maxMs: 300 } })
    const connected = once(agent, 'connected')
    await agent.start()
    await connected
  })
  afterAll(async () => {
    await agent?.stop()
    await hub?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const names = async (): Promise<string[]> => (await client.request<DatasetList>('GET', '/v1/datasets', undefined, { query: { nodeId: agent.id } })).datasets.map((d) => d.name)

  async function eventually(want: string[]): Promise<void> {
    const end = Date.now() + 10_000
    while (JSON.stringify(await names()) !== JSON.stringify(want)) {
      if (Date.now() > end) throw new Error(`hub still lists ${JSON.stringify(await names())}, not ${JSON.stringify(want)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  it('sends the datasets it has with its registration', async () => {
    expect(agent.datasets.map((d) => d.name)).toEqual(['before-start'])
    await eventually(['before-start'])
  })

  it('registers again when a dataset is added or removed while it runs', async () => {
    await addDataset(join(dir, 'node'), 'added-later', { format: 'csv', path: join(dir, 'a.csv') })
    await eventually(['added-later', 'before-start'])
    await removeDataset(join(dir, 'node'), 'before-start')
    await eventually(['added-later'])
    expect(agent.datasets.map((d) => d.name)).toEqual(['added-later'])
  })
})
