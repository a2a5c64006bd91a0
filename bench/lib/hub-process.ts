// A hub in its own process for benchmarks: prints `READY <url>` once listening, stops on SIGTERM.
import { createHub } from '@w3ai/hub'

const [home, databaseUrl] = process.argv.slice(2)
if (home === undefined) throw new Error('usage: hub-process.ts HOME [DATABASE_URL]')
const hub = createHub({ home, port: 0, logLevel: false, ...(databaseUrl ? { databaseUrl } : {}) })
await hub.start()
process.stdout.write(`READY ${hub.url}\n`)
const stop = (): void => void hub.stop().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
