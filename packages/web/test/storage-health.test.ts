/** The dashboard marks an object that is not healthy (issue 8 B7): the object list and its detail. */
import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import type { ObjectSummary } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { ObjectTable } from '../src/components/storage/ObjectTable.js'

const object = (health: ObjectSummary['health']): ObjectSummary => ({
  cid: 'bafyexampleexampleexampleexample',
  name: 'data.csv',
  size: 1024,
  owner: 'a_00000000000000000000',
  createdAt: '2026-01-01T00:00:00.000Z',
  segments: 1,
  redundancy: { k: 3, n: 5, repairThreshold: 4 },
  minHealthyPieces: health?.healthyPieces ?? 5,
  health,
})

const table = (objects: ObjectSummary[]): string =>
  renderToStaticMarkup(
    createElement(ObjectTable, {
      objects,
      error: null,
      me: 'a_00000000000000000000',
      selected: null,
      onSelect: () => undefined,
      onDownload: () => undefined,
      onRefresh: () => undefined,
      download: { phase: 'idle', label: '', bytes: 0, total: 0 } as never,
    }),
  )

describe('object health on the dashboard', () => {
  it('marks an under-replicated object in the list, with what it means on hover', () => {
    const html = table([object({ state: 'under-replicated', healthyPieces: 3, needed: 3, target: 5 })])
    expect(html).toMatch(/data-testid="object-health"[^>]*title="[^"]*no node can take the missing pieces[^"]*">\s*under-replicated/)
  })

  it('adds no mark to a healthy object', () => {
    expect(table([object({ state: 'healthy', healthyPieces: 5, needed: 3, target: 5 })])).not.toContain('object-health')
  })
})
