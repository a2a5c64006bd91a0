/**
 * The storage benchmark's client, in a process of its own so that its peak RSS is the client's
 * alone: creates an account on the hub, puts `file`, gets it back to `out`, and prints one JSON
 * line with the timings, the CID and its peak RSS.
 *
 *   node --import tsx bench/lib/storage-client.ts HUB_URL FILE OUT   (the bench runs it bundled)
 */
import { generateIdentity } from '@w3ai/crypto'
import { HubClient, StorageClient } from '@w3ai/sdk'

const [hubUrl, file, out] = process.argv.slice(2)
if (hubUrl === undefined || file === undefined || out === undefined) throw new Error('usage: storage-client.ts HUB_URL FILE OUT')

const identity = generateIdentity('account')
const hub = new HubClient({ url: hubUrl, identity })
await hub.createAccount({ name: 'bench', encryptionKey: identity.encryptionKey })
const storage = new StorageClient(hub, identity)

const baseRssMiB = process.memoryUsage().rss / 1024 / 1024
const cpu0 = process.cpuUsage()
let t0 = performance.now()
const { cid } = await storage.putFile(file)
const putSeconds = (performance.now() - t0) / 1000
const cpuPut = process.cpuUsage(cpu0)
t0 = performance.now()
await storage.getToFile(cid, out)
const getSeconds = (performance.now() - t0) / 1000
const cpuGet = process.cpuUsage(cpu0)
console.log(
  JSON.stringify({
    cid,
    putSeconds,
    getSeconds,
    putCpuSeconds: (cpuPut.user + cpuPut.system) / 1e6,
    getCpuSeconds: (cpuGet.user + cpuGet.system - cpuPut.user - cpuPut.system) / 1e6,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    baseRssMiB,
  }),
)
