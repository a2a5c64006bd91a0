// Writes docs/api.md from a live hub's OpenAPI document: `npm run docs:api`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHub } from '@w3ai/hub'
import { renderApiDoc, type OpenApiDocument } from './api-doc.js'

const home = await mkdtemp(join(tmpdir(), 'w3ai-docs-'))
const hub = createHub({ home, port: 0, logLevel: false })
try {
  await hub.start()
  const doc = (await (await fetch(`${hub.url}/v1/openapi.json`)).json()) as OpenApiDocument
  const target = new URL('../docs/api.md', import.meta.url)
  await writeFile(target, renderApiDoc(doc))
  console.log(`wrote ${target.pathname}`)
} finally {
  await hub.stop()
  await rm(home, { recursive: true, force: true })
}
